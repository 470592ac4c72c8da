/**
 * The ingestor: Matrix transactions in, journaled, handled one event at a time per room; the
 * outbox (outbox.ts) and room tasks share the same room queues. What callers see of it is in
 * ingestor-api.ts; the journal writes of a handled item are in item-journal.ts.
 */
import { isRetriable } from '../errors/bridge-error';
import type { EphemeralEvent, MatrixEvent } from '../events';
import { errorText } from './error-text';
import { DEFAULT_MAX_HOLD_MS, holdDecision } from './hold';
import { IngestorStoppedError, type AcceptResult, type IngestorDeps, type RoomTaskOptions } from './ingestor-api';
import { describeItem, ItemJournal } from './item-journal';
import { DEFAULT_JOURNAL_WRITE_HOLD_MS, JournalWrites } from './journal-writes';
import { Outbox } from './outbox';
import { RoomQueues, realTimers, type StepResult, type Timers } from './room-queues';
import { currentRoomTurn } from './room-turn';
import type { JournalAcceptResult, JournalItem, MaybePromise, QueuedItem } from './types';
import { TransactionGaps, type TransactionAdmission } from './txn-gaps';
import { runMarking } from './written-mark';

/** Ephemeral events share one queue of their own, so a typing notice never waits behind a room's messages. */
const EPHEMERAL_QUEUE = '\u0000ephemeral';

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
  private readonly itemJournal: ItemJournal;
  private readonly gaps: TransactionGaps;
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
    this.itemJournal = new ItemJournal({ journal: deps.journal, writes: this.writes, log: deps.log });
    this.gaps = new TransactionGaps({ now: this.now, log: deps.log, ...(deps.metrics?.transactionGaps ? { metric: deps.metrics.transactionGaps } : {}) });
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
   * Asked before `acceptTransaction`: a push whose numeric ID skips ahead of the last one is
   * refused for a while (answer 503, do not accept it), so the homeserver resends the missing
   * one first (txn-gaps.ts).
   */
  admitTransaction(txnId: string): TransactionAdmission {
    return this.gaps.admit(txnId);
  }

  /**
   * The homeserver may be recovering its transactions to the bridge: a push could not be stored
   * (answered 500), or the homeserver answers again after an outage. Gaps in the transaction IDs
   * are held for a while (txn-gaps.ts).
   */
  homeserverRecovering(): void {
    this.gaps.recovering();
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
    // Only echoes: nothing to persist or queue, and a resent copy would be dropped the same way;
    // only the txnId is noted, for gaps after a restart, without a commit of its own.
    const record = this.deps.journal.recordEchoOnly;
    if (record && echoes > 0 && handled.length === 0 && ephemeral.length === 0 && !this.acceptTail) {
      record.call(this.deps.journal, txnId);
      return this.accepted(txnId, { duplicate: false, queued: [] }, echoes);
    }
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
    this.seedGaps();
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

  /** The last transaction ID of the previous run, so a gap right after a restart is seen too. */
  private seedGaps(): void {
    const failed = (err: unknown) => this.deps.log.warn('Could not read the last transaction ID; gaps are checked from the next push on', { error: errorText(err) });
    try {
      const last = this.deps.journal.lastTransactionId?.();
      if (last instanceof Promise) last.then((id) => this.gaps.seed(id), failed);
      else this.gaps.seed(last);
    } catch (err) {
      failed(err);
    }
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
      this.deps.log.warn('Event handler is slow (still running)', { ...describeItem(item), afterMs: this.deps.slowHandlerMs });
      this.deps.metrics?.slowHandlers?.inc({ kind: item.kind });
    }, this.deps.slowHandlerMs);
    try {
      await runMarking(() => this.itemJournal.markWritten(item), () => this.deps.handle(item));
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
      this.deps.log.info('Event handler interrupted by the shutdown; it runs again at the next start', describeItem(item));
      this.inQueue.delete(item.seq);
      return 'done';
    }
    const attempts = await this.itemJournal.recordFailure(item, error);
    item.attempts = attempts;
    // Errors that declare themselves permanent (a BridgeError with retriable: false, e.g. EVENT_UNSUPPORTED
    // or CSAPI_REJECTED) would fail the same way again: dead-letter them at once.
    // So do items already written to the network: another attempt would say them twice.
    const permanent = isPermanent(err) || (item.kind === 'room' && item.written === true);
    if (permanent || attempts >= this.deps.maxAttempts) {
      this.deps.log.error('Giving up on event; dead-lettered', { ...describeItem(item), attempts, error });
      this.count(item.kind, 'dead_lettered');
      this.inQueue.delete(item.seq);
      this.itemJournal.deadLetter(item, error);
      return 'done';
    }
    const retryInMs = this.deps.retryDelay(attempts);
    this.deps.log.warn('Event handler failed; retrying', { ...describeItem(item), attempts, retryInMs, error });
    this.count(item.kind, 'retried');
    return { retryInMs };
  }

  /** After a restart: its handler had written it to the network when the bridge stopped. */
  private notRepeated(item: QueuedItem): void {
    this.deps.log.warn('Not running an event again: the bridge had already written it to the network when it stopped, before marking it done (at most once)', describeItem(item));
    this.count(item.kind, 'not_repeated');
    this.complete(item);
  }

  private complete(item: QueuedItem): void {
    this.inQueue.delete(item.seq);
    this.itemJournal.complete(item);
  }

  private count(kind: string, outcome: string): void {
    this.deps.metrics?.events.inc({ kind, outcome });
  }
}

function isPermanent(err: unknown): boolean {
  return !isRetriable(err);
}
