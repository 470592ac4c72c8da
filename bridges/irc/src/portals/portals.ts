/**
 * Room ↔ IRC mappings, as core portals (`ctx.store.portals`), so restarts keep them:
 *   - kind 'channel': remote ID = the casefolded channel (`#matrix`), metadata `ChannelMeta`;
 *   - kind 'dm' (a private chat): remote ID = the casefolded nick of the IRC user, metadata
 *     `DmMeta` naming the Matrix user; when the IRC user changes nick the chat moves to the new
 *     nick (`renamePrivateChats`).
 * One channel may be linked to several rooms (an alias portal and a plumbed room): messages fan
 * out to all of them.
 *
 * A channel portal the IRC server refused to join by its name (portals/refused-channels.ts) stays
 * linked, marked `refused`, so the room can still tell people why, but it is left out of every
 * lookup that bridges (`roomsForChannel`, `channelsOfRoom`, `channels`): nothing joins it again.
 *
 * Reads come from an index in memory, loaded once at start (`load`) and changed together with
 * every write: IRC listeners must decide synchronously, in the order lines arrive, which rooms a
 * line goes to, and a store read that yields would let a later line overtake. Writes go to the
 * store in call order; those made from async handlers are awaited, those made from IRC
 * listeners (NICK, a refused JOIN, +k) follow the index change and a failure is logged.
 */
import type { Logger, Portal, PortalKey, PortalRepository, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';
import { OrderedWrites } from '../store/ordered-writes';

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

/** The metadata of a channel portal. */
export interface ChannelMeta { channel: string; key?: string; origin: PortalOrigin; meta?: Record<string, string>; refused?: ChannelRefusal }
/** The metadata of a private chat (kind 'dm'). */
export interface DmMeta { userId: string; nick: string; ghost?: string }

export const CHANNEL = 'channel';
export const DM = 'dm';

type Entry = Portal<Record<string, unknown>>;

export class Portals {
  private readonly byRoom = new Map<RoomId, Entry[]>();
  private readonly byRemote = new Map<string, Entry[]>();
  /** Store writes, in the order the index changed. */
  private readonly writes: OrderedWrites;
  /** Portals being created, by alias (portals/dynamic.ts): the homeserver may ask twice meanwhile. */
  readonly creating = new Map<string, Promise<boolean>>();

  constructor(private readonly store: PortalRepository, private readonly log: Logger) {
    this.writes = new OrderedWrites(log, 'portal');
  }

  /** Reads every portal into the index; call once before anything reads. */
  async load(): Promise<number> {
    const all = await this.store.list();
    for (const portal of all) this.index(portal);
    return all.length;
  }

  /** How many IRC users (per network) have a private chat with someone. */
  get privatePartnerCount(): number {
    let n = 0;
    for (const [key, entries] of this.byRemote) if (key.startsWith(`${DM}\u0000`) && entries.length > 0) n++;
    return n;
  }

  roomsForChannel(network: NetworkNames, channel: string): RoomId[] {
    return this.remote(channelKey(network, channel)).filter((l) => !isRefused(l)).map((l) => l.roomId);
  }

  channelsOfRoom(roomId: RoomId): ChannelPortal[] {
    return this.room(roomId).flatMap((link) => {
      const portal = toChannel(link);
      return portal && !portal.refused ? [portal] : [];
    });
  }

  /** Every channel portal of a network (the bot joins them at start-up). */
  channels(network: NetworkId): ChannelPortal[] {
    const links = [...this.byRemote.values()].flat().filter((l) => l.network === network && l.kind === CHANNEL);
    return links.sort((a, b) => a.createdAt - b.createdAt).flatMap((link) => {
      const portal = toChannel(link);
      return portal && !portal.refused ? [portal] : [];
    });
  }

  /** The room's portals whose channel the server refused (to tell people who join why nothing is bridged). */
  refusedChannelsOfRoom(roomId: RoomId): ChannelPortal[] {
    return this.room(roomId).flatMap((link) => {
      const portal = toChannel(link);
      return portal?.refused ? [portal] : [];
    });
  }

  /** How the server refused this channel's name, if it ever did (any spelling: the name is casefolded). */
  refusalOf(network: NetworkNames, channel: string): ChannelRefusal | undefined {
    for (const link of this.remote(channelKey(network, channel))) {
      const refused = toChannel(link)?.refused;
      if (refused) return refused;
    }
    return undefined;
  }

  /**
   * Marks every portal of the channel refused; returns their rooms (those not marked before).
   * For the IRC listener: the index changes at once, the store behind it.
   */
  markRefused(network: NetworkNames, channel: string, refusal: ChannelRefusal): RoomId[] {
    const marked = this.remote(channelKey(network, channel)).filter((link) => toChannel(link) && !isRefused(link));
    for (const link of marked) this.background(this.put(link.roomId, link, { ...link.metadata, refused: { ...refusal } }));
    return marked.map((link) => link.roomId);
  }

  /** A channel portal the core created and linked (`ctx.portals.create`): indexed as stored. */
  adopt(portal: Portal<object>): ChannelPortal | undefined {
    const entry = portal as Entry;
    this.unindex(entry.roomId, entry);
    this.index(entry);
    return toChannel(entry);
  }

  /** `meta`: who made the link and how (kept in the store for audits, e.g. linkedBy/approvedBy). */
  async linkChannel(roomId: RoomId, network: NetworkNames, channel: IrcChannel, options: { origin: PortalOrigin; key?: string; meta?: Record<string, string> }): Promise<ChannelPortal> {
    const metadata: ChannelMeta = {
      channel, origin: options.origin,
      ...(options.key !== undefined ? { key: options.key } : {}), ...(options.meta ? { meta: options.meta } : {}),
    };
    await this.put(roomId, channelKey(network, channel), metadata);
    return { roomId, network: network.id, channel, origin: options.origin, ...(options.key !== undefined ? { key: options.key } : {}) };
  }

  async unlinkChannel(roomId: RoomId, network: NetworkNames, channel: string): Promise<boolean> {
    return this.drop(roomId, channelKey(network, channel));
  }

  /**
   * The channel's key changed (+k/-k on IRC): every room linked to it joins with the new one.
   * For the IRC listener: the index changes at once, the store behind it.
   */
  setChannelKey(network: NetworkNames, channel: string, key: string | undefined): void {
    for (const link of this.remote(channelKey(network, channel))) {
      const { key: _old, ...rest } = link.metadata as Partial<ChannelMeta>;
      this.background(this.put(link.roomId, link, key === undefined ? rest : { ...rest, key }));
    }
  }

  /** Every link of `roomId` moves to `replacement` (a room upgrade); returns how many. */
  async moveRoom(roomId: RoomId, replacement: RoomId): Promise<number> {
    // Every index change is made before the first await: no reader sees half a move.
    const links = [...this.room(roomId)];
    await Promise.all(links.flatMap((link) => [this.put(replacement, link, link.metadata), this.drop(roomId, link)]));
    return links.length;
  }

  /** Forgets every link of the room (it turned on encryption, or is gone). */
  async unlinkRoom(roomId: RoomId): Promise<number> {
    const links = [...this.room(roomId)];
    await Promise.all(links.map((link) => this.drop(roomId, link)));
    return links.length;
  }

  privateChatOfRoom(roomId: RoomId): PrivateChat | undefined {
    for (const link of this.room(roomId)) {
      const chat = toPrivate(link);
      if (chat) return chat;
    }
    return undefined;
  }

  privateChatRoom(network: NetworkNames, userId: UserId, nick: string): RoomId | undefined {
    return this.privateChat(network, userId, nick)?.roomId;
  }

  privateChat(network: NetworkNames, userId: UserId, nick: string): PrivateChat | undefined {
    for (const link of this.remote(dmKey(network, nick))) {
      const chat = toPrivate(link);
      if (chat?.userId === userId) return chat;
    }
    return undefined;
  }

  /** `ghost`: the ghost in the room, speaking for `nick`. */
  async linkPrivateChat(roomId: RoomId, network: NetworkNames, userId: UserId, nick: IrcNick, ghost?: UserId): Promise<PrivateChat> {
    await this.put(roomId, dmKey(network, nick), dmMeta(userId, nick, ghost));
    return { roomId, network: network.id, userId, nick, ...(ghost ? { ghost } : {}) };
  }

  /** The conversation ended on the Matrix side: the next IRC message opens a new room. */
  async unlinkPrivateChat(chat: PrivateChat, network: NetworkNames): Promise<boolean> {
    return this.drop(chat.roomId, dmKey(network, chat.nick));
  }

  /**
   * The IRC user `oldNick` is now `newNick`: every private chat with them moves to the new nick,
   * so their next message arrives in the same room. A chat stored under `newNick` for the same
   * Matrix user was with whoever had that nick before: it is unlinked. `ghostOf` names the ghost
   * of chats stored without one (before the rename). Returns the chats moved, as they are now.
   * Synchronous (one indexed lookup; called from the IRC listener, in line order); the store
   * follows in the background, in order, and a failed write is logged.
   */
  renamePrivateChats(network: NetworkNames, oldNick: IrcNick, newNick: IrcNick, ghostOf: (chat: PrivateChat) => UserId | undefined): PrivateChat[] {
    const chats = this.remote(dmKey(network, oldNick)).flatMap((link) => toPrivate(link) ?? []);
    if (chats.length === 0 || network.fold(oldNick) === network.fold(newNick) && chats.every((c) => c.nick === newNick)) return [];
    const moved: PrivateChat[] = [];
    const to = dmKey(network, newNick);
    for (const chat of chats) {
      const ghost = chat.ghost ?? ghostOf(chat);
      for (const stale of this.remote(to)) {
        if (stale.roomId !== chat.roomId && (stale.metadata as Partial<DmMeta>).userId === chat.userId) this.background(this.drop(stale.roomId, to));
      }
      this.background(this.drop(chat.roomId, dmKey(network, chat.nick)));
      this.background(this.put(chat.roomId, to, dmMeta(chat.userId, newNick, ghost)));
      moved.push({ roomId: chat.roomId, network: network.id, userId: chat.userId, nick: newNick, ...(ghost ? { ghost } : {}) });
    }
    return moved;
  }

  /** Does some Matrix user have a private chat with the IRC user now called `nick`? */
  hasPrivateChatWith(network: NetworkNames, nick: string): boolean {
    return this.remote(dmKey(network, nick)).length > 0;
  }

  /** Is this room bridged at all (a channel portal or a private chat)? */
  isBridged(roomId: RoomId): boolean {
    return this.room(roomId).length > 0;
  }

  /** Resolves once every write made so far reached the store (shutdown, tests). */
  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  private room(roomId: RoomId): readonly Entry[] {
    return this.byRoom.get(roomId) ?? [];
  }

  private remote(key: PortalKey): readonly Entry[] {
    return this.byRemote.get(remoteIndexKey(key)) ?? [];
  }

  /** Index first (readers see it at once), then the store, in call order. */
  private put(roomId: RoomId, key: PortalKey, metadata: object): Promise<void> {
    const now = Date.now();
    const old = this.room(roomId).find((e) => sameKey(e, key));
    this.unindex(roomId, key);
    this.index({ roomId, network: key.network, remoteId: key.remoteId, kind: key.kind, metadata: { ...metadata }, createdAt: old?.createdAt ?? now, updatedAt: now });
    return this.write(() => this.store.link({ roomId, network: key.network, remoteId: key.remoteId, kind: key.kind, metadata: { ...metadata } }));
  }

  private async drop(roomId: RoomId, key: PortalKey): Promise<boolean> {
    const had = this.unindex(roomId, key);
    if (had) await this.write(() => this.store.unlink(roomId, { network: key.network, remoteId: key.remoteId, kind: key.kind }));
    return had;
  }

  private write(task: () => Promise<unknown>): Promise<void> {
    return this.writes.run(task);
  }

  /** For callers in IRC listeners: the index changed already; the store write is logged if it fails. */
  private background(write: Promise<unknown>): void {
    write.catch((error: Error) => this.log.error('A portal change did not reach the store; it is lost at the next restart', { error: error.message }));
  }

  private index(portal: Entry): void {
    push(this.byRoom, portal.roomId, portal);
    push(this.byRemote, remoteIndexKey(portal), portal);
  }

  private unindex(roomId: RoomId, key: PortalKey): boolean {
    const before = this.room(roomId).length;
    pull(this.byRoom, roomId, (e) => sameKey(e, key));
    pull(this.byRemote, remoteIndexKey(key), (e) => e.roomId === roomId);
    return this.room(roomId).length < before;
  }
}

function push<K>(map: Map<K, Entry[]>, key: K, entry: Entry): void {
  const list = map.get(key);
  if (list) list.push(entry);
  else map.set(key, [entry]);
}

function pull<K>(map: Map<K, Entry[]>, key: K, match: (e: Entry) => boolean): void {
  const list = map.get(key)?.filter((e) => !match(e));
  if (list?.length) map.set(key, list);
  else map.delete(key);
}

function sameKey(a: PortalKey, b: PortalKey): boolean {
  return a.kind === b.kind && a.network === b.network && a.remoteId === b.remoteId;
}

function remoteIndexKey(key: PortalKey): string {
  return `${key.kind}\u0000${key.network}\u0000${key.remoteId}`;
}

function channelKey(network: NetworkNames, channel: string): PortalKey {
  return { network: network.id, remoteId: network.fold(channel), kind: CHANNEL };
}

function dmKey(network: NetworkNames, nick: string): PortalKey {
  return { network: network.id, remoteId: network.fold(nick), kind: DM };
}

function dmMeta(userId: UserId, nick: string, ghost: UserId | undefined): DmMeta {
  return { userId, nick, ...(ghost ? { ghost } : {}) };
}

function toChannel(link: Entry): ChannelPortal | undefined {
  const data = link.metadata as Partial<ChannelMeta>;
  if (link.kind !== CHANNEL || typeof data.channel !== 'string') return undefined;
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

function isRefused(link: Entry): boolean {
  return isRefusal((link.metadata as Partial<ChannelMeta>).refused);
}

function toPrivate(link: Entry): PrivateChat | undefined {
  const data = link.metadata as Partial<DmMeta>;
  if (link.kind !== DM || typeof data.userId !== 'string' || typeof data.nick !== 'string') return undefined;
  return {
    roomId: link.roomId, network: link.network as NetworkId, userId: data.userId as UserId, nick: data.nick as IrcNick,
    ...(typeof data.ghost === 'string' ? { ghost: data.ghost as UserId } : {}),
  };
}
