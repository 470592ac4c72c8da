import type { Counter, Gauge, Histogram } from 'prom-client';
import { isRetriable } from '../errors/bridge-error';
import type { EphemeralEvent, MatrixEvent } from '../events';
import type { Logger } from '../log/types';
import { DEFAULT_MAX_HOLD_MS, holdDecision } from './hold';
import { DEFAULT_JOURNAL_WRITE_HOLD_MS, JournalWrites, journalCall } from './journal-writes';
import { Outbox } from './outbox';
import { RoomQueues, realTimers, type StepResult, type Timers } from './room-queues';
import { currentRoomTurn } from './room-turn';
import type { IngestJournal, JournalAcceptResult, JournalItem, MaybePromise, QueuedItem } from './types';
import { runMarking } from './written-mark';

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

/** Ephemeral events share one queue of their own, so a typing notice never waits behind a room's messages. */
const EPHEMERAL_QUEUE = '\u0000ephemeral';

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

/**
 * Takes transactions from the homeserver, persists them through the journal, and feeds the
 * handler one event at a time per room. Failed items are retried with backoff while their room
 * waits (order is kept), then dead-lettered and counted.
 */
export class Ingestor {
  private readonly queues: RoomQueues;
  /** Items in the queues, so a second `resume()` cannot queue an item twice. */
  private readonly inQueue = new Set<number>();
  private readonly timers: Timers;
  private readonly now: () => number;
  private reusedIdNoted = false;
  private resumed = false;
  /** An asynchronous resume is reading the journal: new outbox items wait to be released. */
  private replaying = false;
  /** The last asynchronous accept: the next one starts after it, so queues keep push order. */
  private acceptTail?: Promise<unknown>;
  private readonly writes: JournalWrites;
  private readonly stopController = new AbortController();
  /** Durable network → Matrix delivery, in the same room queues (`BridgeContext.outbox`). */
  readonly outbox: Outbox;

  constructor(private readonly deps: IngestorDeps) {
    if (!(deps.maxAttempts >= 1)) throw new RangeError(`maxAttempts must be at least 1, got ${deps.maxAttempts}`);
    this.timers = deps.timers ?? realTimers;
    this.now = deps.now ?? Date.now;
    this.writes = new JournalWrites({
      timers: this.timers, now: this.now, maxMs: deps.journalWriteHoldMs ?? DEFAULT_JOURNAL_WRITE_HOLD_MS,
      onRetry: (err) => deps.log.warn('The journal did not take a write (database unavailable?); retrying', { error: errorText(err) }),
    });
    this.queues = new RoomQueues({
      concurrency: deps.roomConcurrency,
      timers: this.timers,
      onDepthChange: (depth, rooms) => {
        deps.metrics?.queueDepth.set(depth);
        deps.metrics?.activeRooms.set(rooms);
      },
      onJobError: (roomKey, err) => {
        deps.log.error('Ingest job failed unexpectedly; its room moves on', { roomKey, error: errorText(err) });
        this.count('job', 'failed');
      },
    });
    this.outbox = new Outbox({
      journal: deps.journal,
      writes: this.writes,
      schedule: (delivery) => this.queues.push(delivery.record.roomKey, { run: () => this.outbox.run(delivery) }),
      accepting: () => this.resumed && !this.replaying && !this.queues.isStopped,
      log: deps.log,
      count: (outcome, n = 1) => deps.metrics?.events.inc({ kind: 'outbox', outcome }, n),
      now: this.now,
      random: deps.random ?? Math.random,
      ...(deps.maxOutboxPayloadsInMemory !== undefined ? { maxPayloadsInMemory: deps.maxOutboxPayloadsInMemory } : {}),
    });
  }

  /**
   * Persists the transaction and queues its events. With a synchronous journal (SQLite) this is
   * synchronous on purpose: nothing runs between the homeserver's push and the enqueue. With an
   * asynchronous one the answer is a Promise, and accepts run one after another, so events of
   * one room still queue in push order. Throws (or rejects) when the journal cannot persist: the
   * homeserver must then retry. After `stop()` the events are persisted but left for `resume()`
   * at the next start.
   */
  acceptTransaction(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): MaybePromise<AcceptResult> {
    // Echoes (the bridge's own events coming back) are never handled, so they are not persisted
    // either: in a busy bridge they are half of all events, and two writes each for nothing.
    const handled = events.filter((event) => !this.isEcho(event));
    const echoes = events.length - handled.length;
    const accept = () => this.deps.journal.accept(txnId, handled, ephemeral);
    const tail = this.acceptTail;
    const result = tail ? tail.then(accept) : accept();
    if (!(result instanceof Promise)) return this.accepted(txnId, result, echoes);
    const done = result.then((r) => this.accepted(txnId, r, echoes));
    const settled = done.catch(() => undefined);
    this.acceptTail = settled;
    void settled.then(() => { if (this.acceptTail === settled) this.acceptTail = undefined; });
    return done;
  }

  private accepted(txnId: string, { duplicate, reusedId, queued }: JournalAcceptResult, echoes: number): AcceptResult {
    this.deps.metrics?.transactions?.inc({ result: duplicate ? 'duplicate' : 'accepted' });
    if (duplicate) return { duplicate: true, queued: 0, echoes: 0 };
    if (reusedId) this.noteReusedId(txnId);
    if (echoes > 0) this.deps.metrics?.events.inc({ kind: 'room', outcome: 'echo' }, echoes);
    if (this.queues.isStopped) return { duplicate: false, queued: 0, echoes };
    return { duplicate: false, queued: this.dispatch(queued), echoes };
  }

  /**
   * Queues what the journal still holds from before a restart, then what was enqueued in the
   * outbox since start (journaled, not yet queued, so it goes behind the older items). Once only;
   * returns how many items were queued.
   */
  resume(): MaybePromise<number> {
    if (this.queues.isStopped || this.resumed) return 0;
    this.resumed = true;
    const flushed = this.outbox.flush();
    // Only as many outbox payloads as memory may hold: after a long outage the journal may hold far more.
    const read = () => this.deps.journal.pending({ outboxPayloads: this.outbox.payloadRoom });
    const pending = flushed ? undefined : read();
    if (pending !== undefined && !(pending instanceof Promise)) {
      // Synchronous: everything enqueued before now was written above and is in what was read.
      this.outbox.dropHeld();
      return this.queueResumed(pending);
    }
    // Asynchronous: outbox items enqueued while the journal is read are held, then released
    // behind what it held (those the read already found are not run twice).
    this.replaying = true;
    return (async () => {
      try {
        await flushed;
        const items = await (pending ?? read());
        const queued = this.queueResumed(items);
        this.outbox.release(new Set(items.map((item) => item.seq)));
        return queued;
      } finally {
        this.replaying = false;
      }
    })();
  }

  private queueResumed(items: JournalItem[]): number {
    const queued = this.dispatch(items);
    if (queued > 0) this.deps.log.info('Resuming events accepted before the last shutdown', { count: queued });
    return queued;
  }

  /**
   * Runs `task` in the room's turn, after everything already queued for that room. Use the
   * Matrix room ID as `roomKey` so network-side work and Matrix events of a room share one order.
   * Called from inside the same room's turn (a handler or task of that room), `task` runs at once,
   * inline, once: waiting for the room's turn there would wait for itself.
   */
  inRoomOrder<T>(roomKey: string, task: () => Promise<T>, options: RoomTaskOptions = {}): Promise<T> {
    if (currentRoomTurn() === roomKey) return task();
    if (this.queues.isStopped) return Promise.reject(new IngestorStoppedError());
    const maxHoldMs = options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS;
    const random = this.deps.random ?? Math.random;
    let attempts = 0;
    let heldSince: number | undefined;
    return new Promise<T>((resolve, reject) => {
      this.queues.push(roomKey, {
        run: async (): Promise<StepResult> => {
          try {
            resolve(await task());
            this.count('task', 'handled');
            return 'done';
          } catch (err) {
            attempts++;
            const decision = options.retry
              ? holdDecision(err, { attempts, ...(heldSince !== undefined ? { heldSince } : {}) }, { now: this.now(), maxHoldMs, random })
              : undefined;
            if (decision && 'retryInMs' in decision) {
              if (heldSince === undefined) {
                heldSince = this.now();
                this.deps.log.warn('A room task failed; holding the room and retrying', { roomKey, task: options.name, retryInMs: decision.retryInMs, error: errorText(err) });
              }
              this.count('task', 'retried');
              return decision;
            }
            reject(err);
            this.count('task', decision ? 'dead_lettered' : 'failed');
            return 'done';
          }
        },
        cancel: () => reject(new IngestorStoppedError()),
      });
    });
  }

  /**
   * Aborted once the bridge begins to stop (`beginStop`, or `stop`): a handler that waits for a
   * network to come back gives up then, throwing `IngestorStoppedError`, and its item stays in
   * the journal for the next start instead of holding up the shutdown.
   */
  get stopping(): AbortSignal {
    return this.stopController.signal;
  }

  /** Tells waiting handlers that the bridge is stopping (see `stopping`); queued work still runs. */
  beginStop(): void {
    this.stopController.abort();
  }

  /** Resolves when every queue is empty, including items waiting for a retry. */
  drain(): Promise<void> {
    return this.queues.idle();
  }

  /**
   * Stops taking new work and waits for running handlers. Items not yet handled stay in the
   * journal; outbox items enqueued from now on are journaled for the next start.
   */
  async stop(): Promise<void> {
    this.beginStop();
    await this.outbox.flush();
    await this.queues.stop();
    this.outbox.dropHeld();
    this.inQueue.clear();
  }

  /**
   * Journals what the outbox holds and waits for every journal write still running (retries
   * through an outage included): call it before closing the store. Writes failing after this
   * are not retried.
   */
  async flushJournal(): Promise<void> {
    await this.outbox.flush();
    await this.writes.settled();
    this.writes.close();
  }

  /**
   * Work runs or waits for a slot, or outbox items wait to be journaled; false once only rooms
   * waiting out a retry delay remain (what a test with a fake clock waits for).
   */
  get busy(): boolean {
    return this.queues.busy || this.outbox.unwrittenCount > 0;
  }

  /** Jobs queued or running over all rooms. */
  get depth(): number {
    return this.queues.size;
  }

  private dispatch(items: JournalItem[]): number {
    let queued = 0;
    for (const item of items) {
      if (this.inQueue.has(item.seq)) continue;
      if (item.kind === 'outbox') {
        const delivery = this.outbox.resumed(item);
        this.queues.push(item.roomKey, { run: () => this.outbox.run(delivery) });
        queued++;
        continue;
      }
      if (item.kind === 'room' && item.written) {
        this.notRepeated(item);
        continue;
      }
      this.inQueue.add(item.seq);
      const key = item.kind === 'room' ? item.event.roomId : EPHEMERAL_QUEUE;
      this.queues.push(key, { run: () => this.attempt(item) });
      queued++;
    }
    return queued;
  }

  /** Once at warn (after a homeserver restart every ID may repeat for a while), then at debug. */
  private noteReusedId(txnId: string): void {
    const message = 'The homeserver reused a transaction ID for other events (Synapse on SQLite counts from 1 again after a restart); handled as a new transaction';
    if (this.reusedIdNoted) this.deps.log.debug(message, { txnId });
    else this.deps.log.warn(`${message}. Further reused IDs are logged at debug level`, { txnId });
    this.reusedIdNoted = true;
  }

  private isEcho(event: MatrixEvent): boolean {
    try {
      return this.deps.isEcho(event);
    } catch (err) {
      this.deps.log.error('Echo check failed; handling the event', { eventId: event.eventId, error: errorText(err) });
      return false;
    }
  }

  private async attempt(item: QueuedItem): Promise<StepResult> {
    const started = this.now();
    const watchdog = this.timers.setTimeout(() => {
      this.deps.log.warn('Event handler is slow (still running)', { ...describe(item), afterMs: this.deps.slowHandlerMs });
      this.deps.metrics?.slowHandlers?.inc({ kind: item.kind });
    }, this.deps.slowHandlerMs);
    try {
      await runMarking(() => this.markWritten(item), () => this.deps.handle(item));
    } catch (err) {
      return this.failed(item, err);
    } finally {
      this.timers.clearTimeout(watchdog);
      this.deps.metrics?.handlerDuration?.observe({ kind: item.kind }, (this.now() - started) / 1000);
    }
    this.count(item.kind, 'handled');
    this.complete(item);
    return 'done';
  }

  private async failed(item: QueuedItem, err: unknown): Promise<StepResult> {
    const error = errorText(err);
    if (err instanceof IngestorStoppedError) {
      // Interrupted by the shutdown, not failed: no attempt is counted, the next start runs it.
      this.deps.log.info('Event handler interrupted by the shutdown; it runs again at the next start', describe(item));
      this.inQueue.delete(item.seq);
      return 'done';
    }
    let attempts = item.attempts + 1;
    try {
      attempts = await journalCall(this.writes, () => this.deps.journal.recordFailure(item.seq, error));
    } catch (journalErr) {
      this.deps.log.error('Could not record a handler failure in the journal', { ...describe(item), error: errorText(journalErr) });
    }
    item.attempts = attempts;
    // Errors that declare themselves permanent (a BridgeError with retriable: false, e.g. EVENT_UNSUPPORTED
    // or CSAPI_REJECTED) would fail the same way again: dead-letter them at once.
    // So do items already written to the network: another attempt would say them twice.
    const permanent = isPermanent(err) || (item.kind === 'room' && item.written === true);
    if (permanent || attempts >= this.deps.maxAttempts) {
      this.deps.log.error('Giving up on event; dead-lettered', { ...describe(item), attempts, error });
      this.count(item.kind, 'dead_lettered');
      this.inQueue.delete(item.seq);
      const onError = (journalErr: unknown) => this.deps.log.error('Could not dead-letter the event in the journal; it will run again after a restart', {
        ...describe(item), error: errorText(journalErr),
      });
      try {
        const dead = journalCall(this.writes, () => this.deps.journal.deadLetter(item.seq, error));
        if (dead instanceof Promise) dead.catch(onError);
      } catch (journalErr) {
        onError(journalErr);
      }
      return 'done';
    }
    const retryInMs = this.deps.retryDelay(attempts);
    this.deps.log.warn('Event handler failed; retrying', { ...describe(item), attempts, retryInMs, error });
    this.count(item.kind, 'retried');
    return { retryInMs };
  }

  /**
   * The handler's irreversible write is about to happen (`BridgeContext.writtenMarker`): from now
   * on the item is never run again, not by a retry nor after a restart. A journal that cannot
   * record it is logged, not thrown: the write goes ahead (a repeat after a crash is the lesser harm).
   */
  private markWritten(item: QueuedItem): void {
    if (item.kind !== 'room' || item.written) return;
    item.written = true;
    const onError = (err: unknown) => this.deps.log.error('Could not mark the event written in the journal; a restart may repeat it', { ...describe(item), error: errorText(err) });
    try {
      // Not awaited when asynchronous (as `complete`): `flushJournal` waits for the write.
      const marked = journalCall(this.writes, () => this.deps.journal.markWritten(item.seq));
      if (marked instanceof Promise) marked.catch(onError);
    } catch (err) {
      onError(err);
    }
  }

  /** After a restart: its handler had written it to the network when the bridge stopped. */
  private notRepeated(item: QueuedItem): void {
    this.deps.log.warn('Not running an event again: the bridge had already written it to the network when it stopped, before marking it done (at most once)', describe(item));
    this.count(item.kind, 'not_repeated');
    this.complete(item);
  }

  /** Not awaited when asynchronous: the room moves on, and `flushJournal` waits for the write. */
  private complete(item: QueuedItem): void {
    this.inQueue.delete(item.seq);
    const onError = (err: unknown) => this.deps.log.error('Could not mark the event done in the journal; it will run again after a restart', {
      ...describe(item), error: errorText(err),
    });
    try {
      const done = journalCall(this.writes, () => this.deps.journal.complete(item.seq));
      if (done instanceof Promise) done.catch(onError);
    } catch (err) {
      onError(err);
    }
  }


  private count(kind: string, outcome: string): void {
    this.deps.metrics?.events.inc({ kind, outcome });
  }
}

function describe(item: QueuedItem): Record<string, unknown> {
  return item.kind === 'room'
    ? { seq: item.seq, eventId: item.event.eventId, roomId: item.event.roomId, type: item.event.type }
    : { seq: item.seq, type: item.event.type, roomId: item.event.roomId };
}

function isPermanent(err: unknown): boolean {
  return !isRetriable(err);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
