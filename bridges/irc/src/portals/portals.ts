/**
 * Room ↔ IRC mappings, kept in the core store so restarts keep them. Two kinds share the
 * store's room links, told apart by their remote ID:
 *   - a channel portal: remote ID = the casefolded channel (`#matrix`);
 *   - a private chat: remote ID = `pm <matrix user> <casefolded nick>` (no channel starts with "pm ");
 *     when the IRC user changes nick, the chat is moved to the new nick (`renamePrivateChats`).
 * One channel may be linked to several rooms (an alias portal and a plumbed room): messages fan
 * out to all of them.
 *
 * A channel portal the IRC server refused to join by its name (portals/refused-channels.ts) stays
 * linked, marked `refused`, so the room can still tell people why, but it is left out of every
 * lookup that bridges (`roomsForChannel`, `channelsOfRoom`, `channels`): nothing joins it again.
 */
import type { BridgeStore, RoomId, RoomLink, UserId } from '@bridgekit/appservice';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';

export type PortalOrigin = 'alias' | 'static' | 'provisioning';

export interface ChannelPortal {
  roomId: RoomId;
  network: NetworkId;
  /** As first seen (case kept), for JOIN and display. */
  channel: IrcChannel;
  key?: string;
  origin: PortalOrigin;
  /** The server refused the channel's name (set only on refused portals). */
  refused?: ChannelRefusal;
}

/** How the IRC server refused a channel name when the bot tried to join it. */
export interface ChannelRefusal {
  /** The JOIN error numeric, e.g. "479" (ERR_BADCHANNAME) or "403" (ERR_NOSUCHCHANNEL). */
  numeric: string;
  /** The server's own words. */
  reason: string;
}

export interface PrivateChat {
  roomId: RoomId;
  network: NetworkId;
  /** The Matrix user whose puppet talks in this conversation. */
  userId: UserId;
  /** The IRC user on the other side, under their current nick. */
  nick: IrcNick;
  /**
   * The ghost in the room that speaks for them. It stays when they change nick (a ghost ID is
   * made from a nick, but the room has the one it started with). Absent in chats stored before
   * it was recorded: those use the nick's ghost.
   */
  ghost?: UserId;
}

/** What the portals need from a network: its identity and its casefolding. */
export interface NetworkNames {
  readonly id: NetworkId;
  fold(name: string): string;
}

interface ChannelData { kind: 'channel'; channel: string; key?: string; origin: PortalOrigin; meta?: Record<string, string>; refused?: ChannelRefusal }
interface PrivateData { kind: 'pm'; userId: string; nick: string; ghost?: string }

export class Portals {
  /**
   * `<network> <casefolded nick>` of every IRC user with a private chat, loaded from the store on
   * the first NICK, so that the NICKs of everyone else (nearly all) cost no store scan. One short
   * string per private chat, like the store itself; entries of ended chats only cost a scan.
   */
  private partners?: Set<string>;
  /** Portals being created, by alias (portals/dynamic.ts): the homeserver may ask twice meanwhile. */
  readonly creating = new Map<string, Promise<boolean>>();

  constructor(private readonly store: BridgeStore) {}

  /** How many IRC users with a private chat are remembered for NICK handling (not loaded yet: 0). */
  get privatePartnerCount(): number {
    return this.partners?.size ?? 0;
  }

  roomsForChannel(network: NetworkNames, channel: string): RoomId[] {
    return this.store.rooms.roomsOf(network.id, network.fold(channel)).filter((l) => !isRefused(l)).map((l) => l.roomId);
  }

  channelsOfRoom(roomId: RoomId): ChannelPortal[] {
    return this.store.rooms.remotesOf(roomId).flatMap((link) => {
      const portal = toChannel(link);
      return portal && !portal.refused ? [portal] : [];
    });
  }

  /** Every channel portal of a network (the bot joins them at start-up). */
  channels(network: NetworkId): ChannelPortal[] {
    return this.store.rooms.list(network).flatMap((link) => {
      const portal = toChannel(link);
      return portal && !portal.refused ? [portal] : [];
    });
  }

  /** The room's portals whose channel the server refused (to tell people who join why nothing is bridged). */
  refusedChannelsOfRoom(roomId: RoomId): ChannelPortal[] {
    return this.store.rooms.remotesOf(roomId).flatMap((link) => {
      const portal = toChannel(link);
      return portal?.refused ? [portal] : [];
    });
  }

  /** How the server refused this channel's name, if it ever did (any spelling: the name is casefolded). */
  refusalOf(network: NetworkNames, channel: string): ChannelRefusal | undefined {
    for (const link of this.store.rooms.roomsOf(network.id, network.fold(channel))) {
      const refused = toChannel(link)?.refused;
      if (refused) return refused;
    }
    return undefined;
  }

  /** Marks every portal of the channel refused; returns their rooms (those not marked before). */
  markRefused(network: NetworkNames, channel: string, refusal: ChannelRefusal): RoomId[] {
    const marked: RoomId[] = [];
    for (const link of this.store.rooms.roomsOf(network.id, network.fold(channel))) {
      if (!toChannel(link) || isRefused(link)) continue;
      this.store.rooms.updateData(link.roomId, link.network, link.remoteId, { ...link.data, refused: { ...refusal } });
      marked.push(link.roomId);
    }
    return marked;
  }

  /** `meta`: who made the link and how (kept in the store for audits, e.g. linkedBy/approvedBy). */
  linkChannel(roomId: RoomId, network: NetworkNames, channel: IrcChannel, options: { origin: PortalOrigin; key?: string; meta?: Record<string, string> }): ChannelPortal {
    const data: ChannelData = {
      kind: 'channel', channel, origin: options.origin,
      ...(options.key !== undefined ? { key: options.key } : {}), ...(options.meta ? { meta: options.meta } : {}),
    };
    this.store.rooms.link(roomId, { network: network.id, remoteId: network.fold(channel), data: { ...data } });
    return { roomId, network: network.id, channel, origin: options.origin, ...(options.key !== undefined ? { key: options.key } : {}) };
  }

  unlinkChannel(roomId: RoomId, network: NetworkNames, channel: string): boolean {
    return this.store.rooms.unlink(roomId, network.id, network.fold(channel));
  }

  /** The channel's key changed (+k/-k on IRC): every room linked to it joins with the new one. */
  setChannelKey(network: NetworkNames, channel: string, key: string | undefined): void {
    for (const link of this.store.rooms.roomsOf(network.id, network.fold(channel))) {
      const { key: _old, ...rest } = link.data as Partial<ChannelData>;
      this.store.rooms.updateData(link.roomId, link.network, link.remoteId, key === undefined ? rest : { ...rest, key });
    }
  }

  privateChatOfRoom(roomId: RoomId): PrivateChat | undefined {
    for (const link of this.store.rooms.remotesOf(roomId)) {
      const chat = toPrivate(link);
      if (chat) return chat;
    }
    return undefined;
  }

  privateChatRoom(network: NetworkNames, userId: UserId, nick: string): RoomId | undefined {
    return this.store.rooms.roomsOf(network.id, privateRemoteId(network, userId, nick))[0]?.roomId;
  }

  privateChat(network: NetworkNames, userId: UserId, nick: string): PrivateChat | undefined {
    const link = this.store.rooms.roomsOf(network.id, privateRemoteId(network, userId, nick))[0];
    return link && toPrivate(link);
  }

  /** `ghost`: the ghost in the room, speaking for `nick`. */
  linkPrivateChat(roomId: RoomId, network: NetworkNames, userId: UserId, nick: IrcNick, ghost?: UserId): PrivateChat {
    const data: PrivateData = { kind: 'pm', userId, nick, ...(ghost ? { ghost } : {}) };
    this.store.rooms.link(roomId, { network: network.id, remoteId: privateRemoteId(network, userId, nick), data: { ...data } });
    this.partners?.add(partnerKey(network, nick));
    return { roomId, network: network.id, userId, nick, ...(ghost ? { ghost } : {}) };
  }

  /** The conversation ended on the Matrix side: the next IRC message opens a new room. */
  unlinkPrivateChat(chat: PrivateChat, network: NetworkNames): boolean {
    const unlinked = this.store.rooms.unlink(chat.roomId, network.id, privateRemoteId(network, chat.userId, chat.nick));
    if (unlinked) this.forgetPartnerWithoutChats(network, chat.nick);
    return unlinked;
  }

  /**
   * The IRC user `oldNick` is now `newNick`: every private chat with them moves to the new nick,
   * so their next message arrives in the same room. A chat stored under `newNick` for the same
   * Matrix user was with whoever had that nick before: it is unlinked. `ghostOf` names the ghost
   * of chats stored without one (before the rename). Returns the chats moved, as they are now.
   */
  renamePrivateChats(network: NetworkNames, oldNick: IrcNick, newNick: IrcNick, ghostOf: (chat: PrivateChat) => UserId | undefined): PrivateChat[] {
    const partners = this.partners ??= this.loadPartners();
    if (!partners.has(partnerKey(network, oldNick))) return [];
    const moved: PrivateChat[] = [];
    for (const link of this.store.rooms.list(network.id)) {
      const chat = toPrivate(link);
      if (!chat || network.fold(chat.nick) !== network.fold(oldNick)) continue;
      const ghost = chat.ghost ?? ghostOf(chat);
      const remoteId = privateRemoteId(network, chat.userId, newNick);
      for (const stale of this.store.rooms.roomsOf(network.id, remoteId)) {
        if (stale.roomId !== chat.roomId) this.store.rooms.unlink(stale.roomId, network.id, remoteId);
      }
      this.store.rooms.unlink(chat.roomId, network.id, link.remoteId);
      moved.push(this.linkPrivateChat(chat.roomId, network, chat.userId, newNick, ghost));
    }
    if (moved.length > 0) this.forgetPartnerWithoutChats(network, oldNick);
    return moved;
  }

  /** Does some Matrix user have a private chat with the IRC user now called `nick`? */
  hasPrivateChatWith(network: NetworkNames, nick: string): boolean {
    const partners = this.partners ??= this.loadPartners();
    return partners.has(partnerKey(network, nick));
  }

  /** Is this room bridged at all (a channel portal or a private chat)? */
  isBridged(roomId: RoomId): boolean {
    return this.store.rooms.remotesOf(roomId).length > 0;
  }

  /** `nick` may have no private chat left (another Matrix user may still have one with them). */
  private forgetPartnerWithoutChats(network: NetworkNames, nick: string): void {
    if (!this.partners) return;
    const suffix = ` ${network.fold(nick)}`;
    const chatting = this.store.rooms.list(network.id).some((link) => link.remoteId.startsWith('pm ') && link.remoteId.endsWith(suffix));
    if (!chatting) this.partners.delete(partnerKey(network, nick));
  }

  private loadPartners(): Set<string> {
    const partners = new Set<string>();
    for (const link of this.store.rooms.list()) {
      // `pm <matrix user> <casefolded nick>`: neither part has spaces.
      if (link.remoteId.startsWith('pm ')) partners.add(`${link.network} ${link.remoteId.slice(link.remoteId.lastIndexOf(' ') + 1)}`);
    }
    return partners;
  }
}

function privateRemoteId(network: NetworkNames, userId: UserId, nick: string): string {
  return `pm ${userId} ${network.fold(nick)}`;
}

function partnerKey(network: NetworkNames, nick: string): string {
  return `${network.id} ${network.fold(nick)}`;
}

function toChannel(link: RoomLink): ChannelPortal | undefined {
  const data = link.data as Partial<ChannelData>;
  if (data.kind !== 'channel' || typeof data.channel !== 'string') return undefined;
  return {
    roomId: link.roomId,
    network: link.network as NetworkId,
    channel: data.channel as IrcChannel,
    origin: data.origin ?? 'alias',
    ...(typeof data.key === 'string' ? { key: data.key } : {}),
    ...(isRefusal(data.refused) ? { refused: { numeric: data.refused.numeric, reason: data.refused.reason } } : {}),
  };
}

function isRefusal(value: unknown): value is ChannelRefusal {
  const refusal = value as Partial<ChannelRefusal> | undefined;
  return typeof refusal?.numeric === 'string' && typeof refusal.reason === 'string';
}

function isRefused(link: RoomLink): boolean {
  return isRefusal((link.data as Partial<ChannelData>).refused);
}

function toPrivate(link: RoomLink): PrivateChat | undefined {
  const data = link.data as Partial<PrivateData>;
  if (data.kind !== 'pm' || typeof data.userId !== 'string' || typeof data.nick !== 'string') return undefined;
  return {
    roomId: link.roomId, network: link.network as NetworkId, userId: data.userId as UserId, nick: data.nick as IrcNick,
    ...(typeof data.ghost === 'string' ? { ghost: data.ghost as UserId } : {}),
  };
}
