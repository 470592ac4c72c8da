/**
 * Durable network → Matrix delivery. What a network said is journaled before anything else
 * happens to it, then delivered in its room's turn (the queue Matrix events of that room use), in
 * the order it was enqueued, each item with a stable transaction ID so a retry after a crash or
 * an outage cannot duplicate it in Matrix. Failures follow the hold policy (hold.ts); given-up
 * items are dead-lettered in the journal and counted.
 *
 * Enqueues of one tick are journaled together in one write (a burst of IRC lines costs one
 * commit, not one per line), and an item takes its place in the room's queue synchronously, at
 * the call: the call order is the delivery order even though the write happens a moment later
 * (and even for a store whose writes are asynchronous). Its job waits for the write first.
 *
 * Memory stays bounded through a long outage: at most `maxPayloadsInMemory` items keep their
 * payload in memory once journaled; the rest keep only their ids (seq, txnId, room, kind) and
 * read the payload back from the journal when their turn comes.
 */
import { createTxnIds } from '../csapi/txn-ids';
import type { Logger } from '../log/types';
import { errorText } from './error-text';
import { DEFAULT_MAX_HOLD_MS, holdDecision } from './hold';
import type { StepResult } from './room-queues';
import { journalCall, retried, type JournalWrites } from './journal-writes';
import type { IngestJournal, MaybePromise, OutboxEntry, OutboxRecord } from './types';
import type { BridgeOutbox, OutboxHandler, OutboxKind, OutboxKindOptions } from './outbox-api';

/** How many journaled items keep their payload in memory by default; the rest are read back at their turn. */
export const DEFAULT_MAX_OUTBOX_PAYLOADS_IN_MEMORY = 10_000;

/** An item in memory: its journal record (seq 0 until written) and what its retries know. */
export interface Delivery {
  /** Its payload is `undefined` while `payloadIn` is 'journal'. */
  record: OutboxRecord;
  /** Where the payload is now: counted against the memory bound, or left in the journal. */
  payloadIn?: 'memory' | 'journal';
  /** Resolves true once journaled, false when the write failed (the item is then dropped). */
  written: Promise<boolean>;
  /** Read back from the journal at start (a crash may have cut an attempt short). */
  resumed?: boolean;
  /** In its room's queue now; an item enqueued before the resume is queued from the journal instead. */
  scheduled?: boolean;
  writeError?: unknown;
  heldSince?: number;
}

export interface OutboxDeps {
  journal: Pick<IngestJournal, 'appendOutbox' | 'outboxPayload' | 'complete' | 'recordFailure' | 'deadLetter'>;
  /** Where writes answering with a Promise are retried through an outage and awaited at stop. */
  writes: JournalWrites;
  /** Puts the delivery in its room's queue now; its job will `run` it. */
  schedule(delivery: Delivery): void;
  /** False before the journal's items were resumed and after stop: then items are only journaled. */
  accepting(): boolean;
  log: Logger;
  count(outcome: 'handled' | 'retried' | 'dead_lettered' | 'failed', n?: number): void;
  now(): number;
  random(): number;
  /** How many journaled items keep their payload in memory (default `DEFAULT_MAX_OUTBOX_PAYLOADS_IN_MEMORY`). */
  maxPayloadsInMemory?: number;
}

interface Definition {
  handler: OutboxHandler<unknown>;
  maxHoldMs: number;
}

interface Unwritten {
  delivery: Delivery;
  done(written: boolean): void;
  /** The payload as serialised at enqueue: the journal stores this text (no second stringify). */
  json: string;
}

export class Outbox implements BridgeOutbox {
  private readonly kinds = new Map<string, Definition>();
  private unwritten: Unwritten[] = [];
  /** Asynchronous journal: the last batch written, so batches reach it in enqueue order. */
  private writeTail?: Promise<unknown>;
  /** Enqueued while not accepting (before the journal was read at start): `release` schedules them. */
  private held: Delivery[] = [];
  /** Journaled items whose payload is in memory (the bound counts these). */
  private payloadsInMemory = 0;
  private readonly maxPayloadsInMemory: number;
  /** The same scheme as the client's own transaction IDs: never repeated across restarts. */
  private readonly newKey = createTxnIds();

  constructor(private readonly deps: OutboxDeps) {
    this.maxPayloadsInMemory = deps.maxPayloadsInMemory ?? DEFAULT_MAX_OUTBOX_PAYLOADS_IN_MEMORY;
    if (!(this.maxPayloadsInMemory >= 0)) throw new RangeError(`maxPayloadsInMemory must be at least 0, got ${this.maxPayloadsInMemory}`);
  }

  define<P>(kind: string, handler: OutboxHandler<P>, options: OutboxKindOptions = {}): OutboxKind<P> {
    if (!kind) throw new TypeError('An outbox kind needs a name');
    if (this.kinds.has(kind)) throw new TypeError(`The outbox kind "${kind}" is defined twice`);
    this.kinds.set(kind, { handler: handler as OutboxHandler<unknown>, maxHoldMs: options.maxHoldMs ?? DEFAULT_MAX_HOLD_MS });
    return { kind, enqueue: (roomKey, payload) => this.enqueue(roomKey, kind, payload) };
  }

  enqueue(roomKey: string, kind: string, payload: unknown): Promise<void> {
    if (!this.kinds.has(kind)) throw new TypeError(`The outbox kind "${kind}" is not defined; call ctx.outbox.define("${kind}", handler) in start()`);
    const json = JSON.stringify(payload);
    if (json === undefined) throw new TypeError(`An outbox payload must be JSON (got ${typeof payload} for "${kind}")`);
    const record: OutboxRecord = {
      seq: 0, kind: 'outbox', roomKey, outboxKind: kind, txnId: this.newKey(),
      // What the handler gets is what survives the journal, the same before and after a restart.
      payload: JSON.parse(json) as unknown, attempts: 0,
    };
    let done!: (written: boolean) => void;
    const written = new Promise<boolean>((resolve) => { done = resolve; });
    const delivery: Delivery = { record, written };
    if (this.unwritten.push({ delivery, done, json }) === 1) queueMicrotask(() => this.flush());
    if (this.deps.accepting()) {
      delivery.scheduled = true;
      this.deps.schedule(delivery);
    } else {
      this.held.push(delivery);
    }
    const result = written.then((ok) => {
      if (!ok) throw delivery.writeError;
    });
    result.catch(() => undefined); // logged and counted in flush(); a caller need not handle it
    return result;
  }

  /** Items enqueued but not yet journaled (written at the end of the tick). */
  get unwrittenCount(): number {
    return this.unwritten.length;
  }

  /**
   * Journals what was enqueued since the last write, in one transaction. Synchronous with a
   * synchronous journal; otherwise the Promise settles once this batch (and every earlier one)
   * is written or given up, retried through a database outage meanwhile.
   */
  flush(): MaybePromise<void> {
    const batch = this.unwritten;
    if (batch.length === 0) return this.writeTail?.then(() => undefined);
    this.unwritten = [];
    const entries = batch.map(({ delivery: { record }, json }): OutboxEntry => ({
      roomKey: record.roomKey, outboxKind: record.outboxKind, txnId: record.txnId, payload: record.payload, payloadJson: json,
    }));
    const lost = (err: unknown) => {
      this.deps.log.error('Could not journal messages for Matrix; they are lost', { count: batch.length, error: errorText(err) });
      this.deps.count('failed', batch.length);
      for (const { delivery, done } of batch) {
        delivery.writeError = err;
        done(false);
      }
    };
    const written = (seqs: number[]) => batch.forEach(({ delivery, done }, i) => {
      delivery.record.seq = seqs[i]!;
      if (delivery.scheduled) {
        this.keepOrRelease(delivery);
      } else {
        // The resume reads it back with the journal's other items (or `release` from the journal).
        delivery.record.payload = undefined;
        delivery.payloadIn = 'journal';
      }
      done(true);
    });
    const append = () => this.deps.journal.appendOutbox(entries);
    // An asynchronous journal: each batch starts once the previous one is written, so the
    // journal's order (what a restart resumes by) is enqueue order.
    if (this.writeTail) return this.chain(this.writeTail.then(() => journalCall(this.deps.writes, append)).then(written, lost));
    let first: MaybePromise<number[]>;
    try {
      first = append();
    } catch (err) {
      lost(err);
      return;
    }
    if (!(first instanceof Promise)) {
      written(first);
      return;
    }
    return this.chain(retried(this.deps.writes, first, append).then(written, lost));
  }

  private chain(write: Promise<void>): Promise<void> {
    this.writeTail = write;
    return write;
  }

  /**
   * Schedules the items enqueued while the journal was being read at start (asynchronous
   * journal), except those the read found: they are queued from the journal already, by seq.
   */
  release(resumed: ReadonlySet<number>): void {
    const held = this.held;
    this.held = [];
    for (const delivery of held) {
      // Its payload was left in the journal when written (unscheduled then): read back at its turn.
      delivery.written = delivery.written.then((ok) => ok && !resumed.has(delivery.record.seq));
      this.deps.schedule(delivery);
    }
  }

  /** Forgets held items: they are in the journal, which the resume (or the next start) reads. */
  dropHeld(): void {
    this.held = [];
  }

  /** An item read back from the journal at start, its payload held within the same bound. */
  resumed(record: OutboxRecord): Delivery {
    const delivery: Delivery = { record, written: Promise.resolve(true), resumed: true };
    if (record.payloadInJournal) delivery.payloadIn = 'journal';
    else this.keepOrRelease(delivery);
    return delivery;
  }

  /** How many more payloads may come into memory now (what `pending` is asked to load at start). */
  get payloadRoom(): number {
    return Math.max(0, this.maxPayloadsInMemory - this.payloadsInMemory);
  }

  /** Payloads held in memory now (journaled items only): never more than the bound. */
  get payloadsHeld(): number {
    return this.payloadsInMemory;
  }

  /** A journaled item keeps its payload while the bound allows; otherwise only the journal has it. */
  private keepOrRelease(delivery: Delivery): void {
    if (this.payloadsInMemory < this.maxPayloadsInMemory) {
      this.payloadsInMemory++;
      delivery.payloadIn = 'memory';
    } else {
      delivery.record.payload = undefined;
      delivery.payloadIn = 'journal';
    }
  }

  /** The item's payload in memory for its attempts (read back if it was left in the journal); false when the journal no longer has it. */
  private loadPayload(delivery: Delivery): MaybePromise<boolean> {
    if (delivery.payloadIn !== 'journal') return true;
    const found = this.deps.journal.outboxPayload(delivery.record.seq);
    return found instanceof Promise ? found.then((f) => this.holdPayload(delivery, f)) : this.holdPayload(delivery, found);
  }

  private holdPayload(delivery: Delivery, found: { payload: unknown } | undefined): boolean {
    if (!found) return false;
    // Over the bound for a moment: only the items being delivered (at most one per room) are.
    delivery.record.payload = found.payload;
    delivery.payloadIn = 'memory';
    this.payloadsInMemory++;
    return true;
  }

  /** Delivered or given up: its payload leaves memory. */
  private finished(delivery: Delivery): StepResult {
    if (delivery.payloadIn === 'memory') this.payloadsInMemory--;
    delivery.payloadIn = undefined;
    delivery.record.payload = undefined;
    return 'done';
  }

  /** One attempt at delivering, in the room's turn. */
  async run(delivery: Delivery): Promise<StepResult> {
    if (!(await delivery.written)) return 'done';
    const result = await this.attempt(delivery);
    return result === 'done' ? this.finished(delivery) : result;
  }

  private async attempt(delivery: Delivery): Promise<StepResult> {
    const { record } = delivery;
    const definition = this.kinds.get(record.outboxKind);
    if (!definition) {
      this.deadLetter(record, `No outbox handler is defined for the kind "${record.outboxKind}"`);
      return 'done';
    }
    let loaded: boolean;
    try {
      // Awaited only when it is a Promise: SQLite's path stays free of per-item awaits.
      const load = this.loadPayload(delivery);
      loaded = load instanceof Promise ? await load : load;
    } catch (err) {
      // The journal could not be read: the item stays pending there and is tried after a restart.
      this.deps.log.error('Could not read a held message back from the journal; it is tried again after a restart', { ...describe(record), error: errorText(err) });
      this.deps.count('failed');
      return 'done';
    }
    if (!loaded) {
      this.deps.log.warn('A held message is no longer pending in the journal; skipped', describe(record));
      return 'done';
    }
    try {
      await definition.handler({
        payload: record.payload, txnId: record.txnId, attempt: record.attempts + 1,
        resend: record.attempts > 0 || delivery.resumed === true, roomKey: record.roomKey,
      });
    } catch (err) {
      return this.failed(delivery, definition, err);
    }
    this.deps.count('handled');
    if (delivery.heldSince !== undefined) this.deps.log.info('Delivered a held message to Matrix', { ...describe(record), attempts: record.attempts + 1 });
    this.journal(record, 'mark delivered', () => this.deps.journal.complete(record.seq, true));
    return 'done';
  }

  private failed(delivery: Delivery, definition: Definition, err: unknown): StepResult {
    const { record } = delivery;
    const error = errorText(err);
    record.attempts++;
    const now = this.deps.now();
    const decision = holdDecision(err, { attempts: record.attempts, ...(delivery.heldSince !== undefined ? { heldSince: delivery.heldSince } : {}) },
      { now, maxHoldMs: definition.maxHoldMs, random: this.deps.random });
    if ('giveUp' in decision) {
      this.deps.log.error(decision.giveUp === 'permanent'
        ? 'Could not deliver a message to Matrix; dead-lettered'
        : 'Gave up delivering a message to Matrix: the homeserver stayed unavailable for too long; dead-lettered', { ...describe(record), attempts: record.attempts, error });
      this.deadLetter(record, error);
      return 'done';
    }
    if (delivery.heldSince === undefined) {
      delivery.heldSince = now;
      this.deps.log.warn('Messages for the room cannot be delivered now (homeserver or database unavailable); holding them and retrying', {
        ...describe(record), retryInMs: decision.retryInMs, holdMinutes: Math.round(definition.maxHoldMs / 60_000), error,
      });
    } else {
      this.deps.log.debug('Still holding messages for the room', { ...describe(record), attempts: record.attempts, retryInMs: decision.retryInMs, error });
    }
    this.deps.count('retried');
    this.journal(record, 'record a failed attempt', () => this.deps.journal.recordFailure(record.seq, error));
    return decision;
  }

  private deadLetter(record: OutboxRecord, error: string): void {
    this.deps.count('dead_lettered');
    this.journal(record, 'dead-letter', () => this.deps.journal.deadLetter(record.seq, error));
  }

  // A journal that fails here leaves the item pending: it runs again after a restart, with its
  // txnId. A write answering with a Promise is retried through an outage, not awaited here.
  private journal(record: OutboxRecord, what: string, write: () => unknown): void {
    const failed = (err: unknown) => this.deps.log.error(`Could not ${what} in the journal; the message is tried again after a restart`, { ...describe(record), error: errorText(err) });
    try {
      const result = journalCall(this.deps.writes, write);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

function describe(record: OutboxRecord): Record<string, unknown> {
  return { seq: record.seq, kind: record.outboxKind, roomKey: record.roomKey, txnId: record.txnId };
}
