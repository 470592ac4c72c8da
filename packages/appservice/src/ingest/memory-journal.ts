import type { EphemeralEvent, MatrixEvent } from '../events';
import { transactionFingerprint } from './fingerprint';
import type { DeadLetter, JournalAcceptResult, JournalItem, OutboxEntry, PendingOptions, QueuedItem, TransactionJournal } from './types';

interface Entry {
  item: JournalItem;
  txnId: string;
  state: 'pending' | 'done' | 'dead';
  error?: string;
  at: number;
}

/**
 * An in-memory `TransactionJournal` with the same semantics as the SQLite one, for unit tests of
 * the ingest pipeline and of connectors. Not durable: never use it in a running bridge.
 */
export class MemoryJournal implements TransactionJournal {
  private readonly txns = new Map<string, { at: number; fingerprint: string }>();
  private readonly entries = new Map<number, Entry>();
  private readonly eventIds = new Set<string>();
  private nextSeq = 1;
  private lastTxnId: string | undefined;
  /** Set to make `accept` throw, as a store that cannot persist would. */
  failAccept: Error | undefined;
  /** Set to make `appendOutbox` throw (a full disk). */
  failAppend: Error | undefined;
  /** How many times `appendOutbox` was called (each call is one transaction in a real store). */
  appendCalls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  accept(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): JournalAcceptResult {
    if (this.failAccept) throw this.failAccept;
    const fingerprint = transactionFingerprint(events, ephemeral);
    const seen = this.txns.get(txnId);
    if (seen?.fingerprint === fingerprint) return { duplicate: true, queued: [] };
    this.txns.set(txnId, { at: this.now(), fingerprint });
    this.lastTxnId = txnId;
    const queued: QueuedItem[] = [];
    for (const event of events) {
      if (this.eventIds.has(event.eventId)) continue;
      this.eventIds.add(event.eventId);
      queued.push(this.add(txnId, { seq: this.nextSeq++, kind: 'room', event, attempts: 0 }));
    }
    for (const event of ephemeral) {
      queued.push(this.add(txnId, { seq: this.nextSeq++, kind: 'ephemeral', event, attempts: 0 }));
    }
    if (!seen) return { duplicate: false, queued };
    // Seen with other content: new events mean the ID was reused (a homeserver restart); none
    // means a retry that differs only in what is not stored (Synapse resends no ephemeral events).
    return queued.length > 0 ? { duplicate: false, reusedId: true, queued } : { duplicate: true, queued };
  }

  appendOutbox(entries: readonly OutboxEntry[]): number[] {
    if (this.failAppend) throw this.failAppend;
    this.appendCalls++;
    // Serialised like a real store would, so a payload that does not survive JSON fails here too.
    return entries.map(({ payloadJson: _serialised, ...e }) => {
      const text = JSON.stringify(e.payload);
      if (text === undefined) throw new TypeError(`outbox payload must be JSON-serialisable (got ${typeof e.payload})`);
      const payload: unknown = JSON.parse(text);
      const item: JournalItem = { seq: this.nextSeq++, kind: 'outbox', ...e, payload, attempts: 0 };
      this.add(e.txnId, item);
      return item.seq;
    });
  }

  pending(options?: PendingOptions): JournalItem[] {
    let payloads = options?.outboxPayloads ?? Infinity;
    return [...this.entries.values()].filter((e) => e.state === 'pending').map((e): JournalItem => {
      if (e.item.kind !== 'outbox') return { ...e.item };
      if (payloads-- > 0) return { ...e.item };
      return { ...e.item, payload: undefined, payloadInJournal: true };
    });
  }

  outboxPayload(seq: number): { payload: unknown } | undefined {
    const entry = this.entries.get(seq);
    if (entry?.state !== 'pending' || entry.item.kind !== 'outbox') return undefined;
    return { payload: entry.item.payload };
  }

  complete(seq: number): void {
    this.entry(seq).state = 'done';
  }

  markWritten(seq: number): void {
    const entry = this.entry(seq);
    if (entry.item.kind === 'room') entry.item = { ...entry.item, written: true };
  }

  recordFailure(seq: number, error: string): number {
    const entry = this.entry(seq);
    entry.item = { ...entry.item, attempts: entry.item.attempts + 1 };
    entry.error = error;
    return entry.item.attempts;
  }

  deadLetter(seq: number, error: string): void {
    const entry = this.entry(seq);
    entry.state = 'dead';
    entry.error = error;
    entry.at = this.now();
  }

  deadLetters(limit = 100): DeadLetter[] {
    return [...this.entries.values()].filter((e) => e.state === 'dead').slice(0, limit).map((e) => ({
      seq: e.item.seq,
      txnId: e.txnId,
      kind: e.item.kind,
      eventId: e.item.kind === 'room' ? e.item.event.eventId : undefined,
      roomId: e.item.kind === 'outbox' ? e.item.roomKey : e.item.event.roomId,
      error: e.error ?? '',
      attempts: e.item.attempts,
      failedAt: e.at,
    }));
  }

  recordEchoOnly(txnId: string): void {
    this.txns.set(txnId, { at: this.now(), fingerprint: transactionFingerprint([], []) });
    this.lastTxnId = txnId;
  }

  lastTransactionId(): string | undefined {
    return this.lastTxnId !== undefined && this.txns.has(this.lastTxnId) ? this.lastTxnId : undefined;
  }

  prune(olderThanMs: number): number {
    const cutoff = this.now() - olderThanMs;
    let removed = 0;
    for (const [txnId, { at }] of this.txns) {
      if (at < cutoff) {
        this.txns.delete(txnId);
        removed++;
      }
    }
    return removed;
  }

  /** Test helper: the state of one item. */
  stateOf(seq: number): Entry['state'] | undefined {
    return this.entries.get(seq)?.state;
  }

  private add<T extends JournalItem>(txnId: string, item: T): T {
    this.entries.set(item.seq, { item, txnId, state: 'pending', at: this.now() });
    return { ...item };
  }

  private entry(seq: number): Entry {
    const entry = this.entries.get(seq);
    if (!entry) throw new Error(`No journal entry ${seq}`);
    return entry;
  }
}
