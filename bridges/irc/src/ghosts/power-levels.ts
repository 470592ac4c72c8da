/**
 * IRC channel status → Matrix power levels, one way only: an IRC user's prefix modes (~&@%+,
 * whatever ISUPPORT PREFIX says) give their ghost the level configured for the mode
 * (`mode_power_levels`); a Matrix user's power level never gives anyone IRC status (the bridge
 * would be handing out channel operator rights the channel never granted).
 *
 * The pure part decides levels and edits an `m.room.power_levels` content; the writer coalesces
 * every change of one room that arrives while a write is queued into a single state event, so a
 * netjoin that re-ops 200 people costs one event, not 200.
 *
 * Room version 12 (Synapse's default since 1.163) changed who is powerful: the room's creators
 * (the sender of `m.room.create` and its `additional_creators`) outrank everyone, are never
 * listed in `users`, and the homeserver refuses a power-levels event that lists them. A bridge
 * that created its portals is such a creator, so levels are read with the creators in mind.
 */
import type { Intent, RoomId, UserId } from '@bridgekit/appservice';
import type { Isupport } from '../irc/isupport';

/** The highest level configured for any of the member's prefix symbols ('@+'); 0 for none. */
export function levelForPrefixes(symbols: string, isupport: Pick<Isupport, 'prefix'>, levels: Readonly<Record<string, number>>): number {
  let best = 0;
  for (const { mode, symbol } of isupport.prefix) {
    if (symbols.includes(symbol)) best = Math.max(best, levels[mode] ?? 0);
  }
  return best;
}

export interface PowerLevelsContent {
  users?: Record<string, number>;
  users_default?: number;
  [key: string]: unknown;
}

/** The parts of `m.room.create` that decide who its creators are. */
export interface RoomCreateEvent {
  content: { room_version?: unknown; additional_creators?: unknown };
  /** The room's first creator; unknown when the homeserver could not say (then only additional creators count). */
  sender?: UserId;
}

const NO_CREATORS: ReadonlySet<UserId> = new Set();

/** Whether creators outrank everyone in rooms of this version: 12 and later (and MSC4289's test version). */
export function creatorsOutrankEveryone(roomVersion: unknown): boolean {
  if (typeof roomVersion !== 'string') return false; // absent means version 1
  if (/^\d+$/.test(roomVersion)) return Number(roomVersion) >= 12;
  return roomVersion === 'org.matrix.hydra.11';
}

/** The room's creators when they outrank everyone (version 12 and later); empty in older rooms. */
export function privilegedCreators(create: RoomCreateEvent | undefined): ReadonlySet<UserId> {
  if (!create || !creatorsOutrankEveryone(create.content.room_version)) return NO_CREATORS;
  const creators = new Set<UserId>();
  if (create.sender) creators.add(create.sender);
  const additional = create.content.additional_creators;
  if (Array.isArray(additional)) for (const userId of additional) if (typeof userId === 'string') creators.add(userId as UserId);
  return creators;
}

/** Reads the room's privileged creators (one request; `m.room.create` never changes). */
export async function roomCreators(reader: Pick<Intent, 'getStateEvent'>, roomId: RoomId): Promise<ReadonlySet<UserId>> {
  return privilegedCreators(await reader.getStateEvent<RoomCreateEvent['content']>(roomId, 'm.room.create'));
}

/** A user's power level: unlimited (Infinity) for privileged creators, else their entry or `users_default`. */
export function powerLevelOf(userId: UserId, content: PowerLevelsContent | undefined, creators: ReadonlySet<UserId> = NO_CREATORS): number {
  if (creators.has(userId)) return Infinity;
  const level = content?.users?.[userId];
  if (typeof level === 'number') return level;
  return typeof content?.users_default === 'number' ? content.users_default : 0;
}

/**
 * `content` with the ghosts' levels changed as asked (a level at or below `users_default` removes
 * the entry); undefined when nothing changes. Levels are capped below the bot's own, and entries
 * the bot may not touch (at or above its level) are left alone: the homeserver would refuse the
 * whole event otherwise, and a ghost at the bot's level could never be lowered again. `creators`
 * (see `privilegedCreators`) outrank everyone and are never written into `users`.
 */
export function withGhostLevels(
  content: PowerLevelsContent, bot: UserId, wanted: ReadonlyMap<UserId, number>, creators: ReadonlySet<UserId> = NO_CREATORS,
): PowerLevelsContent | undefined {
  const usersDefault = typeof content.users_default === 'number' ? content.users_default : 0;
  const users: Record<string, number> = { ...(content.users ?? {}) };
  const botLevel = powerLevelOf(bot, content, creators);
  let changed = false;
  for (const [userId, level] of wanted) {
    if (creators.has(userId)) continue;
    const current = typeof users[userId] === 'number' ? users[userId] : usersDefault;
    if (current >= botLevel) continue;
    const next = Math.min(level, botLevel - 1);
    if (next <= usersDefault) {
      if (userId in users) {
        delete users[userId];
        changed = true;
      }
    } else if (users[userId] !== next) {
      users[userId] = next;
      changed = true;
    }
  }
  return changed ? { ...content, users } : undefined;
}

/**
 * `content` with `m.room.topic` needing `level` (the channel's +t/-t, portals/channel-modes.ts);
 * undefined when the topic needs that level already (its own entry, else `state_default`).
 */
export function withTopicLevel(content: PowerLevelsContent, level: number): PowerLevelsContent | undefined {
  const events = typeof content.events === 'object' && content.events !== null ? content.events as Record<string, unknown> : {};
  const own = events['m.room.topic'];
  const effective = typeof own === 'number' ? own : typeof content.state_default === 'number' ? content.state_default : 50;
  return effective === level ? undefined : { ...content, events: { ...events, 'm.room.topic': level } };
}

/** Which ghosts of a room need their level looked at, collected until the room's write runs. */
export interface PendingLevels {
  /** Every ghost of the room (after NAMES), not only the listed ones. */
  all: boolean;
  ghosts: Set<UserId>;
  /** The level `m.room.topic` should need, when the channel's +t changed (the latest request wins). */
  topicLevel?: number;
}

/** Both requests as one (either may be absent); `b` is the later. */
export function mergePending(a: PendingLevels | undefined, b: PendingLevels | undefined): PendingLevels | undefined {
  if (!a || !b) return a ?? b;
  const topicLevel = b.topicLevel ?? a.topicLevel;
  return { all: a.all || b.all, ghosts: new Set([...a.ghosts, ...b.ghosts]), ...(topicLevel !== undefined ? { topicLevel } : {}) };
}

/**
 * Coalesces level updates per room: the first request for a room queues one task (via
 * `schedule`, i.e. the room's turn); requests arriving before it runs join it.
 */
export class PendingLevelUpdates {
  private readonly pending = new Map<RoomId, PendingLevels>();

  constructor(private readonly schedule: (roomId: RoomId) => void) {}

  request(roomId: RoomId, ghost: UserId | 'all'): void {
    const entry = this.entry(roomId);
    if (ghost === 'all') entry.all = true;
    else entry.ghosts.add(ghost);
  }

  /** The topic's level rides along with the room's next write, so a rejoin (NAMES + 324) costs one event. */
  requestTopicLevel(roomId: RoomId, level: number): void {
    this.entry(roomId).topicLevel = level;
  }

  /** What the room's task should do now; later requests start a new task. */
  take(roomId: RoomId): PendingLevels | undefined {
    const entry = this.pending.get(roomId);
    this.pending.delete(roomId);
    return entry;
  }

  get size(): number {
    return this.pending.size;
  }

  private entry(roomId: RoomId): PendingLevels {
    let entry = this.pending.get(roomId);
    if (!entry) {
      entry = { all: false, ghosts: new Set() };
      this.pending.set(roomId, entry);
      this.schedule(roomId);
    }
    return entry;
  }
}
