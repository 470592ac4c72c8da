/**
 * What the provisioning API needs from the running bridge. The IRC connector implements it with
 * its network runtime (bot connection, channel rosters) and its portals (which keep links in the
 * core store).
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { Casemapping, IrcChannel, IrcNick, NetworkId } from '../mapping';

export interface ProvisioningNetwork {
  id: NetworkId;
  name: string;
  /** Is the bridge bot registered on the network right now? */
  connected: boolean;
  /** ISUPPORT CHANTYPES, e.g. "#&". */
  chanTypes: string;
  casemapping: Casemapping;
  /** Why the admin's access lists forbid bridging `channel` (a sentence), or undefined (irc.networks.*.access). */
  channelRefusal(channel: string): string | undefined;
}

/** One channel linked to a room, as the portals know it. `ChannelPortal` fits. */
export interface LinkedChannel {
  roomId: RoomId;
  network: NetworkId;
  channel: IrcChannel;
  /** How the link came to be: 'provisioning', 'alias', 'static', ... */
  origin: string;
}

export interface ProvisioningOps {
  network(id: NetworkId): ProvisioningNetwork | undefined;
  /** The channels linked to a room (from the core store). */
  channelsOfRoom(roomId: RoomId): readonly LinkedChannel[];
  /**
   * May `userId` change what `roomId` is bridged to? Typically: the bot is in the room and the
   * user's power level allows sending state events there.
   */
  userMayLinkRoom(roomId: RoomId, userId: UserId): Promise<boolean>;
  /** Is `nick` a channel operator (@ or higher) of `channel` right now, as the bot sees it? */
  isChannelOperator(network: NetworkId, channel: IrcChannel, nick: IrcNick): Promise<boolean>;
  /** A private message from the bridge bot. */
  sendPrivateMessage(network: NetworkId, nick: IrcNick, text: string): Promise<void>;
  /** Stores the link (origin 'provisioning') and sets it up: the bot joins the channel and the room. */
  linkChannel(roomId: RoomId, network: NetworkId, channel: IrcChannel, meta: { linkedBy: UserId; approvedBy: IrcNick }): Promise<void>;
  /** Removes the link and tears it down; false when there was none. */
  unlinkChannel(roomId: RoomId, network: NetworkId, channel: IrcChannel): Promise<boolean>;
}
