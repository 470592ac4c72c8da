/**
 * Which ghosts are joined to which portal room, so a PART, a QUIT or a NAMES sync touches the
 * homeserver only for ghosts that really are there (in lazy mode most IRC users never get a
 * ghost in the room; sending a leave for each of them would flood the homeserver).
 *
 * A room's set is loaded from the homeserver (the bot's joined-members list) the first time it
 * is needed, inside the room's turn, and kept current by the bridge's own joins and leaves.
 * Bounded: at most `maxRooms` rooms are remembered (least recently used goes first, and is simply
 * loaded again when it is next needed).
 */
import type { RoomId, UserId } from '@bridgekit/appservice';

export interface GhostPresenceOptions {
  /** Joined members of a room, as the homeserver says (the bot's `joinedMembers`). */
  load(roomId: RoomId): Promise<UserId[]>;
  /** Only these users are remembered: the bridge's ghosts. */
  isGhost(userId: UserId): boolean;
  maxRooms: number;
}

export class GhostPresence {
  private readonly rooms = new Map<RoomId, Set<UserId>>();
  private readonly loading = new Map<RoomId, Promise<Set<UserId>>>();
  /** Ghosts marked joined while their room was loading: the load may predate their join. */
  private readonly joinedWhileLoading = new Map<RoomId, Set<UserId>>();

  constructor(private readonly options: GhostPresenceOptions) {}

  /** The ghosts joined to the room. Loads it first if needed: call it inside the room's turn. */
  async ghostsIn(roomId: RoomId): Promise<ReadonlySet<UserId>> {
    const known = this.touch(roomId);
    if (known) return known;
    const running = this.loading.get(roomId);
    if (running) return running;
    const load = (async () => {
      const ghosts = new Set((await this.options.load(roomId)).filter((u) => this.options.isGhost(u)));
      for (const userId of this.joinedWhileLoading.get(roomId) ?? []) ghosts.add(userId);
      this.remember(roomId, ghosts);
      return ghosts;
    })().finally(() => {
      this.loading.delete(roomId);
      this.joinedWhileLoading.delete(roomId);
    });
    this.loading.set(roomId, load);
    return load;
  }

  /** Is the ghost joined? undefined when the room is not loaded (ask `ghostsIn`). */
  isJoined(roomId: RoomId, userId: UserId): boolean | undefined {
    return this.rooms.get(roomId)?.has(userId);
  }

  /** The ghost joined (or is about to, in the room's order). Ignored for rooms not loaded. */
  joined(roomId: RoomId, userId: UserId): void {
    const set = this.rooms.get(roomId);
    if (set) set.add(userId);
    else if (this.loading.has(roomId)) {
      const early = this.joinedWhileLoading.get(roomId) ?? new Set<UserId>();
      early.add(userId);
      this.joinedWhileLoading.set(roomId, early);
    }
  }

  left(roomId: RoomId, userId: UserId): void {
    this.rooms.get(roomId)?.delete(userId);
  }

  /** The room is no longer bridged, or moved: load it afresh if it comes back. */
  forget(roomId: RoomId): void {
    this.rooms.delete(roomId);
  }

  get size(): number {
    return this.rooms.size;
  }

  private touch(roomId: RoomId): Set<UserId> | undefined {
    const set = this.rooms.get(roomId);
    if (set) {
      this.rooms.delete(roomId);
      this.rooms.set(roomId, set);
    }
    return set;
  }

  private remember(roomId: RoomId, ghosts: Set<UserId>): void {
    this.rooms.delete(roomId);
    this.rooms.set(roomId, ghosts);
    while (this.rooms.size > this.options.maxRooms) {
      const oldest = this.rooms.keys().next().value as RoomId;
      this.rooms.delete(oldest);
    }
  }
}
