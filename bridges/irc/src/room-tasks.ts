/**
 * IRC → Matrix work, run in each room's turn (the core's per-room order) and kept through
 * homeserver outages. IRC has no history: a line the bridge fails to write into Matrix exists
 * nowhere else, so a task that fails with a retriable error (homeserver unreachable, 5xx, 429:
 * `isBridgeError(e) && e.retriable`) is tried again with capped exponential backoff for up to
 * `maxRetryMs`, and the room's later tasks are held behind it, in order. Any other error fails
 * the task at once (logged and counted), as before.
 *
 * A stalled room does not occupy the core's queue while it waits: its held tasks sit here and a
 * timer puts a retry back into the room's turn. Tasks the core had already queued for the room
 * join the held ones when their turn comes, so nothing overtakes the task that failed. Each
 * room holds at most `maxHeld` tasks; beyond that the oldest are dropped (counted, warned once
 * per outage). Held tasks are lost when the bridge stops (counted, warned).
 */
import { isBridgeError, isMatrixError, isRetriable, type Logger, type RoomId } from '@bridgekit/appservice';
import { isIrcError } from './irc/errors';
import type { Counter, Gauge } from 'prom-client';
import type { Clock, TimerHandle } from './irc/clock';
import { backoffDelay } from './irc/reconnect';

export interface RoomTaskMetrics {
  handlerErrors: Counter<'handler'>;
  /** Retries of room tasks held during a homeserver outage, by task name. */
  roomTaskRetries: Counter<'handler'>;
  /** Held tasks given up on: `backlog` (over the per-room bound), `timeout` (outage too long), `stopped`. */
  roomTasksDropped: Counter<'reason'>;
  /** Tasks held (waiting for the homeserver) over all rooms. */
  roomTasksHeld: Gauge;
}

export interface RoomTasksOptions {
  /** The core's per-room ordering point (`BridgeContext.inRoomOrder`). */
  inRoomOrder<T>(roomKey: string, task: () => Promise<T>): Promise<T>;
  clock: Clock;
  log: Logger;
  metrics: RoomTaskMetrics;
  /** How long a task is retried (and the room's later tasks held) before it is given up; 0 = never retry. */
  maxRetryMs: number;
  /** Most tasks one room holds while its homeserver writes fail. */
  maxHeld: number;
  /** Wait between retries: from `baseMs` doubling up to `maxMs`, with jitter (default 1 s → 30 s). */
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
}

interface HeldTask {
  what: string;
  task: () => Promise<void>;
  /** When it started waiting (its first failure, or when it was held behind one). */
  since: number;
}

/** A room whose writes fail: its held tasks (the head is the one being retried). */
interface StalledRoom {
  held: HeldTask[];
  attempt: number;
  timer?: TimerHandle;
  dropped: number;
  delivered: number;
  /** Whether the "too many held" warning was logged in this outage. */
  warnedFull?: boolean;
}

export class RoomTasks {
  private readonly stalled = new Map<RoomId, StalledRoom>();
  private heldCount = 0;
  private stopped = false;

  constructor(private readonly options: RoomTasksOptions) {}

  /** Runs `task` in the room's turn; see the file comment for failures. Never throws. */
  run(roomId: RoomId, what: string, task: () => Promise<void>): void {
    this.options.inRoomOrder(roomId, () => this.turn(roomId, { what, task, since: 0 })).catch((error: Error) => this.failed(roomId, what, error));
  }

  /** Rooms waiting for the homeserver. */
  get stalledRooms(): number {
    return this.stalled.size;
  }

  /** Cancels the retries; held tasks are dropped (counted and warned about). */
  stop(): void {
    this.stopped = true;
    for (const [roomId, room] of this.stalled) this.giveUp(roomId, room, 'stopped');
  }

  private async turn(roomId: RoomId, entry: HeldTask): Promise<void> {
    const stalled = this.stalled.get(roomId);
    if (stalled) {
      this.hold(roomId, stalled, { ...entry, since: this.options.clock.now() });
      return;
    }
    try {
      await entry.task();
    } catch (error) {
      if (!this.mayRetry(error)) throw error;
      const room: StalledRoom = { held: [], attempt: 0, dropped: 0, delivered: 0 };
      this.stalled.set(roomId, room);
      this.hold(roomId, room, { ...entry, since: this.options.clock.now() });
      this.options.log.warn('The homeserver is not taking the room\'s IRC messages; holding them and retrying', {
        roomId, task: entry.what, retryMinutes: Math.round(this.options.maxRetryMs / 60_000), error: (error as Error).message,
      });
      this.retryLater(roomId, room, error);
    }
  }

  /** In the room's turn again: the held tasks in order, until one fails retriably or none is left. */
  private async drain(roomId: RoomId, room: StalledRoom): Promise<void> {
    while (room.held.length > 0 && !this.stopped) {
      const head = room.held[0]!;
      this.options.metrics.roomTaskRetries.inc({ handler: head.what });
      try {
        await head.task();
        room.delivered++;
        room.attempt = 0;
      } catch (error) {
        if (this.mayRetry(error) && !this.stopped) {
          if (this.options.clock.now() - head.since < this.options.maxRetryMs) return this.retryLater(roomId, room, error);
          this.dropExpired(roomId, room, error);
          continue;
        }
        this.failed(roomId, head.what, error as Error);
      }
      if (room.held[0] === head) this.release(room, 1);
    }
    if (this.stalled.get(roomId) !== room) return;
    this.stalled.delete(roomId);
    this.options.log.info('The homeserver takes the room\'s IRC messages again', { roomId, delivered: room.delivered, dropped: room.dropped });
  }

  private hold(roomId: RoomId, room: StalledRoom, entry: HeldTask): void {
    room.held.push(entry);
    this.heldCount++;
    if (room.held.length <= this.options.maxHeld) return this.reportHeld();
    // The oldest goes: the newest lines are what the room will want to read when it is back.
    const [oldest] = room.held;
    this.release(room, 1);
    this.drop(room, 'backlog', 1);
    if (!room.warnedFull) {
      room.warnedFull = true;
      this.options.log.warn('Too many IRC messages held for the room during the homeserver outage; dropping the oldest', {
        roomId, maxHeld: this.options.maxHeld, task: oldest?.what,
      });
    }
  }

  /** The head waited longer than the retry limit: it goes, with every held task that waited as long. */
  private dropExpired(roomId: RoomId, room: StalledRoom, error: unknown): void {
    const cutoff = this.options.clock.now() - this.options.maxRetryMs;
    let n = 0;
    while (n < room.held.length && room.held[n]!.since <= cutoff) n++;
    n = Math.max(n, 1);
    this.options.log.error('Gave up on IRC messages for the room: the homeserver stayed unavailable for too long', {
      roomId, tasks: n, retryMinutes: Math.round(this.options.maxRetryMs / 60_000), error: (error as Error).message,
    });
    this.release(room, n);
    this.drop(room, 'timeout', n);
    room.attempt = 0;
  }

  private giveUp(roomId: RoomId, room: StalledRoom, reason: 'stopped'): void {
    if (room.timer !== undefined) this.options.clock.clearTimeout(room.timer);
    const n = room.held.length;
    if (n > 0) this.options.log.warn('IRC messages for the room were never delivered to Matrix (the bridge stopped during a homeserver outage)', { roomId, tasks: n });
    this.release(room, n);
    this.drop(room, reason, n);
    this.stalled.delete(roomId);
  }

  private retryLater(roomId: RoomId, room: StalledRoom, error: unknown): void {
    if (this.stopped) return;
    const { baseMs, maxMs } = this.options.backoff ?? { baseMs: 1_000, maxMs: 30_000 };
    const hinted = isMatrixError(error) ? error.retryAfterMs ?? 0 : 0;
    const delay = Math.max(hinted, backoffDelay(room.attempt++, { baseMs, maxMs, jitter: 0.5 }, this.options.random));
    room.timer = this.options.clock.setTimeout(() => {
      room.timer = undefined;
      this.options.inRoomOrder(roomId, () => this.drain(roomId, room)).catch((cause: Error) => {
        // Only the core stopping rejects here (drain itself does not throw).
        this.options.log.debug('Could not retry the room\'s held IRC messages', { roomId, error: cause.message });
        if (this.stalled.get(roomId) === room) this.giveUp(roomId, room, 'stopped');
      });
    }, delay);
  }

  private mayRetry(error: unknown): boolean {
    // Only the homeserver's failures hold the room; an IRC-side error (also a BridgeError) is the task's own outcome.
    return !this.stopped && this.options.maxRetryMs > 0 && isBridgeError(error) && !isIrcError(error) && isRetriable(error);
  }

  private release(room: StalledRoom, n: number): void {
    const removed = room.held.splice(0, n).length;
    this.heldCount -= removed;
    this.reportHeld();
  }

  private drop(room: StalledRoom, reason: 'backlog' | 'timeout' | 'stopped', n: number): void {
    if (n <= 0) return;
    room.dropped += n;
    this.options.metrics.roomTasksDropped.inc({ reason }, n);
  }

  private reportHeld(): void {
    this.options.metrics.roomTasksHeld.set(this.heldCount);
  }

  private failed(roomId: RoomId, what: string, error: Error): void {
    this.options.metrics.handlerErrors.inc({ handler: what });
    this.options.log.error('Room task failed', { task: what, roomId, error: error.message });
  }
}
