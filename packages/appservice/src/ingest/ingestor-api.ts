/**
 * What callers of the `Ingestor` (ingestor.ts) see: what it is built from, the metrics it
 * feeds, what an accepted transaction reports, the options of a room task, and the error a
 * task gets when the bridge stops before its turn.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { MatrixEvent } from '../events';
import type { Logger } from '../log/types';
import type { Timers } from './room-queues';
import type { IngestJournal, QueuedItem } from './types';

/** What the HTTP layer needs to know about an accepted transaction. */
export interface AcceptResult {
  /** The txnId was seen before: nothing was queued. */
  duplicate: boolean;
  /** Items handed to the room queues (echoes excluded). */
  queued: number;
  /** Events sent by the bridge's own users, completed without calling the handler. */
  echoes: number;
}

export interface IngestMetrics {
  /** kind: `room` | `ephemeral` | `outbox` | `task` | `job`; outcome: `handled` | `echo` | `retried` | `dead_lettered` | `failed` | `not_repeated`. */
  events: Counter<'kind' | 'outcome'>;
  /** result: `accepted` | `duplicate`. */
  transactions?: Counter<'result'>;
  /** Gaps in the homeserver's transaction IDs; outcome: `refused` (503) | `healed` | `accepted`. */
  transactionGaps?: Counter<'outcome'>;
  /** Jobs queued or running, over all rooms (one series, not one per room). */
  queueDepth: Gauge;
  /** Rooms with at least one job queued or running. */
  activeRooms: Gauge;
  slowHandlers?: Counter<'kind'>;
  handlerDuration?: Histogram<'kind'>;
}

/** What an `Ingestor` is built from: the journal, the handler, the limits, the clock. */
export interface IngestorDeps {
  /** SQLite's answers synchronously (used as they come); a database server's with Promises. */
  journal: IngestJournal;
  /**
   * How long a journal write that answers with a Promise is retried through a database outage
   * before its failure is final (default 60 s). Accepting a transaction is never retried here:
   * its failure goes back to the homeserver, which retries.
   */
  journalWriteHoldMs?: number;
  /** Runs in the item's room turn. A throw means "retry later"; see `maxAttempts`. */
  handle(item: QueuedItem): Promise<void>;
  /** Was this event sent by one of the bridge's own users? A cheap namespace check, no store lookup. */
  isEcho(event: MatrixEvent): boolean;
  /** How many rooms are handled at the same time. */
  roomConcurrency: number;
  /** Attempts per item before it is dead-lettered. */
  maxAttempts: number;
  /** Wait before the next attempt, given the number of attempts so far (≥ 1). */
  retryDelay(attempt: number): number;
  /** A handler running longer than this is logged and counted as slow (not cancelled). */
  slowHandlerMs: number;
  timers?: Timers;
  now?: () => number;
  /** For the jitter of retry delays (tests make it deterministic). */
  random?: () => number;
  /** Outbox items that keep their payload in memory while they wait (default 10,000); the rest read it back from the journal. */
  maxOutboxPayloadsInMemory?: number;
  log: Logger;
  metrics?: IngestMetrics;
}

/** Options of `inRoomOrder`. */
export interface RoomTaskOptions {
  /**
   * Hold the task through a homeserver outage: a retriable failure (hold.ts) runs it again with
   * backoff, the room's later work waiting behind it, for at most `maxHoldMs` (default 15 min).
   * Not journaled: for work that carries nothing a network said (state sync), which is redone
   * anyway after a restart. Without it a failure rejects at once.
   */
  retry?: boolean;
  maxHoldMs?: number;
  /** Names the task in logs. */
  name?: string;
}

/** Thrown to `inRoomOrder` callers whose task had not started when the ingestor stopped. */
export class IngestorStoppedError extends Error {
  override readonly name = 'IngestorStoppedError';
  constructor() {
    super('The bridge is shutting down; the task was not run');
  }
}
