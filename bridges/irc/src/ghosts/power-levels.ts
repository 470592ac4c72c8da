/**
 * IRC channel status → Matrix power levels, one way only: an IRC user's prefix modes (~&@%+,
 * whatever ISUPPORT PREFIX says) give their ghost the level configured for the mode
 * (`mode_power_levels`); a Matrix user's power level never gives anyone IRC status (the bridge
 * would be handing out channel operator rights the channel never granted).
 *
 * The pure part decides levels and edits an `m.room.power_levels` content; the writer coalesces
 * every change of one room that arrives while a write is queued into a single state event, so a
 * netjoin that re-ops 200 people costs one event, not 200.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
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

/**
 * `content` with the ghosts' levels changed as asked (a level at or below `users_default` removes
 * the entry); undefined when nothing changes. Levels are capped below the bot's own, and entries
 * the bot may not touch (at or above its level) are left alone: the homeserver would refuse the
 * whole event otherwise, and a ghost at the bot's level could never be lowered again.
 */
export function withGhostLevels(content: PowerLevelsContent, bot: UserId, wanted: ReadonlyMap<UserId, number>): PowerLevelsContent | undefined {
  const usersDefault = typeof content.users_default === 'number' ? content.users_default : 0;
  const users: Record<string, number> = { ...(content.users ?? {}) };
  const botLevel = typeof users[bot] === 'number' ? users[bot] : usersDefault;
  let changed = false;
  for (const [userId, level] of wanted) {
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

/** Which ghosts of a room need their level looked at, collected until the room's write runs. */
export interface PendingLevels {
  /** Every ghost of the room (after NAMES), not only the listed ones. */
  all: boolean;
  ghosts: Set<UserId>;
}

/**
 * Coalesces level updates per room: the first request for a room queues one task (via
 * `schedule`, i.e. the room's turn); requests arriving before it runs join it.
 */
export class PendingLevelUpdates {
  private readonly pending = new Map<RoomId, PendingLevels>();

  constructor(private readonly schedule: (roomId: RoomId) => void) {}

  request(roomId: RoomId, ghost: UserId | 'all'): void {
    let entry = this.pending.get(roomId);
    if (!entry) {
      entry = { all: false, ghosts: new Set() };
      this.pending.set(roomId, entry);
      this.schedule(roomId);
    }
    if (ghost === 'all') entry.all = true;
    else entry.ghosts.add(ghost);
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
}
