import type { EphemeralEvent, MatrixEvent } from '../events';

/** An event accepted from a transaction and persisted until a handler has dealt with it. */
export type QueuedItem =
  | {
    seq: number; kind: 'room'; event: MatrixEvent; attempts: number;
    /** Its handler marked it written to the network (`markWritten`): it must not run again. */
    written?: boolean;
  }
  | { seq: number; kind: 'ephemeral'; event: EphemeralEvent; attempts: number };

/**
 * Something a network said, journaled before anything else happens to it (the outbox), until
 * its handler delivered it to Matrix. `txnId` is its idempotency key: stable across restarts.
 */
export interface OutboxRecord {
  seq: number;
  kind: 'outbox';
  /** The room queue it is delivered in (a Matrix room ID, or a connector's own key). */
  roomKey: string;
  /** Which handler delivers it (`ctx.outbox.define`). */
  outboxKind: string;
  txnId: string;
  /** Absent while `payloadInJournal` (read it back with `TransactionJournal.outboxPayload`). */
  payload: unknown;
  attempts: number;
  /** Read from the journal without its payload (`pending` was asked to bound the payloads it loads). */
  payloadInJournal?: true;
}

/**
 * What the outbox hands the journal: a record before it has a sequence number, with `payloadJson`,
 * the payload already serialised (`JSON.stringify(payload)`), when the outbox has it: a journal
 * that stores text writes it instead of serialising the payload a second time.
 */
export type OutboxEntry = Omit<OutboxRecord, 'seq' | 'kind' | 'attempts' | 'payloadInJournal'> & { payloadJson?: string };

/** What `pending` reads. */
export interface PendingOptions {
  /** Load the payloads of at most this many outbox items (the first by seq); the rest come with `payloadInJournal`. Default: all. */
  outboxPayloads?: number;
}

/** Everything the journal holds for delivery, in one order (both directions share it). */
export type JournalItem = QueuedItem | OutboxRecord;

export interface DeadLetter {
  seq: number;
  /** The homeserver's transaction for Matrix events; the idempotency key for outbox items. */
  txnId: string;
  kind: 'room' | 'ephemeral' | 'outbox';
  eventId?: string;
  roomId?: string;
  error: string;
  attempts: number;
  failedAt: number;
}

export interface JournalAcceptResult {
  duplicate: boolean;
  /** Not a duplicate, although an earlier, different transaction had this txnId. */
  reusedId?: boolean;
  queued: QueuedItem[];
}

/**
 * The durable side of transaction ingestion (implemented on SQLite in store/). `accept` is one
 * SQLite transaction: the homeserver gets its 200 only after it returned, so a crash before that
 * makes the homeserver retry, and a crash after it leaves the events in `pending()` for restart.
 */
export interface TransactionJournal {
  /**
   * Records `txnId` and queues its events in order. Returns `duplicate: true` (and queues
   * nothing) when the same transaction was accepted before: same txnId and same events
   * (`transactionFingerprint`). The same txnId with other events is a new transaction
   * (`reusedId: true`): homeservers may number transactions from 1 again after a restart.
   * Events whose event_id is already queued or done are skipped (the homeserver may resend an
   * event in a new transaction).
   */
  accept(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): JournalAcceptResult;
  /**
   * Journals outbox entries in the given order, all or none (one SQLite transaction, so a burst
   * costs one commit), and returns their sequence numbers.
   */
  appendOutbox(entries: readonly OutboxEntry[]): number[];
  /** Everything accepted or appended but not completed nor dead-lettered, in that order. */
  pending(options?: PendingOptions): JournalItem[];
  /**
   * The payload of a pending outbox item, read back when its turn comes (the outbox keeps only a
   * bounded number of payloads in memory); undefined when the item is not pending.
   */
  outboxPayload(seq: number): { payload: unknown } | undefined;
  /**
   * The handler succeeded (or the event was deliberately ignored). `repeatable`: running the item
   * again after a crash repeats nothing on any network (an outbox item is resent under its own
   * transaction ID, which the homeserver deduplicates; a Matrix event marked written is never run
   * again), so the journal may commit this with later writes. Otherwise it is durable on return:
   * a Matrix event a crash would run again could say its line on IRC twice.
   */
  complete(seq: number, repeatable?: boolean): void;
  /**
   * The handler has written the event to the network (one durable write, before the handler
   * returns): `pending()` then reports it with `written: true`, and it is not run again.
   */
  markWritten(seq: number): void;
  /** A handler attempt failed; returns the new attempt count. */
  recordFailure(seq: number, error: string): number;
  /** Give up on the item: keep it with its error for inspection, out of `pending()`. */
  deadLetter(seq: number, error: string): void;
  deadLetters(limit?: number): DeadLetter[];
  /** Forget transaction IDs and completed event IDs older than `olderThanMs` ago. */
  prune(olderThanMs: number): number;
  /**
   * The transaction ID recorded last (by arrival), or undefined when none is kept: read at start,
   * so a gap in the homeserver's IDs is seen across a restart (txn-gaps.ts). Optional: a journal
   * without it only loses that check for the first push after a start.
   */
  lastTransactionId?(): string | undefined;
  /**
   * Records a transaction that held only echoes (nothing to queue), so `lastTransactionId` still
   * knows it; may share a later commit, since losing it in a crash costs at most one refused push.
   * Optional: without it the ingestor accepts such a transaction like any other.
   */
  recordEchoOnly?(txnId: string): void;
}

/**
 * The journal with every call answering a Promise: what a store on a database server
 * (PostgreSQL) can offer. Same meaning as `TransactionJournal`, call for call.
 */
export type AsyncTransactionJournal = {
  [K in keyof TransactionJournal]: (...args: Parameters<NonNullable<TransactionJournal[K]>>) => Promise<ReturnType<NonNullable<TransactionJournal[K]>>>;
};

/** A value now (SQLite answers synchronously) or later (a database server answers with a Promise). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The journal as the ingestor takes it: either kind. SQLite's answers are used as they come, so
 * its burst path stays free of per-event awaits; a Promise (PostgreSQL) is awaited.
 */
export type IngestJournal = {
  [K in keyof TransactionJournal]: (...args: Parameters<NonNullable<TransactionJournal[K]>>) => MaybePromise<ReturnType<NonNullable<TransactionJournal[K]>>>;
};

/** A synchronous journal (SQLite) seen through the async interface. */
export function asyncJournal(journal: TransactionJournal): AsyncTransactionJournal {
  return {
    accept: async (txnId, events, ephemeral) => journal.accept(txnId, events, ephemeral),
    appendOutbox: async (entries) => journal.appendOutbox(entries),
    pending: async (options) => journal.pending(options),
    outboxPayload: async (seq) => journal.outboxPayload(seq),
    complete: async (seq, repeatable) => journal.complete(seq, repeatable),
    markWritten: async (seq) => journal.markWritten(seq),
    recordFailure: async (seq, error) => journal.recordFailure(seq, error),
    deadLetter: async (seq, error) => journal.deadLetter(seq, error),
    deadLetters: async (limit) => journal.deadLetters(limit),
    prune: async (olderThanMs) => journal.prune(olderThanMs),
    lastTransactionId: async () => journal.lastTransactionId?.(),
    recordEchoOnly: async (txnId) => journal.recordEchoOnly?.(txnId),
  };
}
