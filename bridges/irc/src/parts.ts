/**
 * The narrow capabilities the bridge's modules ask for, so each names what it uses instead of
 * reaching into the whole runtime. Only types, and only from leaf modules: importing this file
 * can never close an import cycle. The composition root (connector.ts) builds one of each.
 */
import type { BridgeContext, Intent, Logger, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcNick, NetworkId } from './mapping/ids';
import type { IrcMetrics } from './metrics';
import type { IrcNetwork } from './network/network';

/** The configured networks, by id. */
export interface NetworkDirectory {
  network(id: NetworkId | string): IrcNetwork | undefined;
  networks(): IrcNetwork[];
}

/** Ghost intents for IRC nicks, registered and named after the nick they speak for. */
export interface GhostResolver {
  /** The ghost that speaks for an IRC nick now (after a NICK, the one the person already had). */
  ghost(network: IrcNetwork, nick: IrcNick): Promise<Intent>;
  /**
   * A ghost worked out earlier (when its IRC line arrived), named after the nick it speaks for
   * now, so a rename in between neither moves the line to another ghost nor brings back an older name.
   */
  ghostIntent(network: IrcNetwork, ghost: UserId): Promise<Intent>;
}

/**
 * State sync in the room's turn (the core's `inRoomOrder` with retry), for work that carries
 * nothing IRC said. Never throws; call it synchronously from IRC listeners to keep order.
 */
export type RoomTask = (roomId: RoomId, what: string, task: () => Promise<void>) => void;

export interface RoomTasks {
  readonly roomTask: RoomTask;
}

/** Notices to one user in a room, from whoever may speak there. */
export interface Speaker {
  /** Tells `userId` something in the room as an m.notice, mentioning them. */
  tell(roomId: RoomId, userId: UserId, text: string): Promise<void>;
  /** The bot, or in a private chat (which the bot is not in) its ghost. */
  speakerIn(roomId: RoomId): Promise<Intent>;
}

/** Matrix users' names, for nick templates. */
export interface MemberNames {
  /**
   * The user's display name in the room, when they have one; their global profile's where the
   * bot cannot read the room (private chats, which the bot is not in).
   */
  displayNameOf(roomId: RoomId, userId: UserId): Promise<string | undefined>;
}

/** Where problems are logged and counted. */
export interface Diagnostics {
  readonly log: Logger;
  readonly metrics: IrcMetrics;
}

/** The core's context, for modules that talk to Matrix themselves. */
export interface MatrixSide {
  readonly ctx: BridgeContext;
}
