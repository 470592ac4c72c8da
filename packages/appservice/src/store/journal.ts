import type { Database, Statement } from 'better-sqlite3';
import type { EphemeralEvent, MatrixEvent } from '../events';
import { BridgeError } from '../errors/bridge-error';
import { transactionFingerprint } from '../ingest/fingerprint';
import type { DeadLetter, JournalAcceptResult, JournalItem, OutboxEntry, PendingOptions, QueuedItem, TransactionJournal } from '../ingest/types';
import type { DeferredWrites } from './deferred-writes';
import { fromJson, toJson } from './json';
import { clip, DEAD_LETTER_EXTRA_RETENTION_MS, LAST_TRANSACTION_SQL, outboxPayloadLimit, pendingRowsSql, toDeadLetter, toItem, type DeadRow, type QueueRow } from './journal-rows';

/** What `accept` records for a transaction with no event to queue. */
const ECHO_ONLY_FINGERPRINT = transactionFingerprint([], []);

/**
 * The TransactionJournal on SQLite: `transactions` for txnId dedupe, `event_queue` for the
 * events and, in the same sequence, the outbox (what networks said, for Matrix).
 */
export class SqliteTransactionJournal implements TransactionJournal {
  private readonly seenTxn: Statement<[string], { fingerprint: string | null }>;
  private readonly recordTxn: Statement<[string, number, string]>;
  private readonly enqueue: Statement<[string, string, string | null, string | null, string, number, number]>;
  private readonly appendRow: Statement<[string, string, string, string, number, number]>;
  private readonly pendingRows: Statement<[number, number], QueueRow>;
  private readonly payloadRow: Statement<[number], { payload: string }>;
  private readonly markDone: Statement<[number, number]>;
  private readonly markSent: Statement<[number, number, number]>;
  private readonly addFailure: Statement<[string, number, number], { attempts: number }>;
  private readonly markDead: Statement<[string, number, number]>;
  private readonly deadRows: Statement<[number], DeadRow>;
  private readonly pruneTxns: Statement<[number]>;
  private readonly lastTxn: Statement<[], { txn_id: string }>;
  private readonly pruneDone: Statement<[number]>;
  private readonly pruneDead: Statement<[number]>;
  private readonly acceptTx: (txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]) => JournalAcceptResult;
  private readonly pruneTx: (cutoff: number) => number;
  private readonly appendTx: (entries: readonly OutboxEntry[]) => number[];

  private readonly exists: Statement<[number], { seq: number }>;
  /**
   * Outbox items this journal appended and committed, not yet completed or dead-lettered: known
   * to exist without a read (in WAL mode a read outside a transaction takes the shared-memory
   * lock, a few syscalls, per bridged line). Rows leave event_queue only by pruning done and
   * dead ones, so a seq here is always a pending row.
   */
  private readonly appended = new Set<number>();

  /**
   * `deferred`: where `complete` queues its write, to share a commit with the writes near it
   * (deferred-writes.ts); without it, `complete` commits at once. Reads and the writes to
   * existing rows commit what is queued first, so they see it and land after it; `accept` and
   * `appendOutbox` write new rows only and need not wait.
   */
  constructor(private readonly db: Database, private readonly now: () => number, private readonly deferred?: DeferredWrites) {
    this.exists = db.prepare('SELECT seq FROM event_queue WHERE seq = ?');
    this.seenTxn = db.prepare('SELECT fingerprint FROM transactions WHERE txn_id = ?');
    // A reused txnId (another transaction than the one recorded) replaces the record.
    this.recordTxn = db.prepare(`INSERT INTO transactions (txn_id, received_at, fingerprint) VALUES (?, ?, ?)
      ON CONFLICT (txn_id) DO UPDATE SET received_at = excluded.received_at, fingerprint = excluded.fingerprint`);
    // An event_id already queued, done or dead (resent in a new transaction) is skipped. DO NOTHING
    // covers only the unique index; any other constraint failure still throws.
    this.enqueue = db.prepare(`INSERT INTO event_queue (txn_id, kind, event_id, room_id, payload, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.appendRow = db.prepare(`INSERT INTO event_queue (txn_id, kind, room_id, outbox_kind, payload, created_at, updated_at)
      VALUES (?, 'outbox', ?, ?, ?, ?, ?)`);
    this.pendingRows = db.prepare(pendingRowsSql(() => '?'));
    this.payloadRow = db.prepare("SELECT payload FROM event_queue WHERE seq = ? AND kind = 'outbox' AND state = 'pending'");
    this.markSent = db.prepare('UPDATE event_queue SET written_at = ?, updated_at = ? WHERE seq = ? AND written_at IS NULL');
    this.markDone = db.prepare("UPDATE event_queue SET state = 'done', payload = NULL, updated_at = ? WHERE seq = ?");
    this.addFailure = db.prepare('UPDATE event_queue SET attempts = attempts + 1, last_error = ?, updated_at = ? WHERE seq = ? RETURNING attempts');
    this.markDead = db.prepare("UPDATE event_queue SET state = 'dead', last_error = ?, updated_at = ? WHERE seq = ?");
    this.deadRows = db.prepare(`SELECT seq, txn_id, kind, event_id, room_id, last_error, attempts, updated_at
      FROM event_queue WHERE state = 'dead' ORDER BY seq DESC LIMIT ?`);
    this.pruneTxns = db.prepare('DELETE FROM transactions WHERE received_at < ?');
    this.lastTxn = db.prepare(LAST_TRANSACTION_SQL);
    this.pruneDone = db.prepare("DELETE FROM event_queue WHERE state = 'done' AND updated_at < ?");
    // Dead letters are kept far longer than finished events, for an operator to inspect.
    this.pruneDead = db.prepare("DELETE FROM event_queue WHERE state = 'dead' AND updated_at < ?");
    this.acceptTx = db.transaction((txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]) => this.acceptInTx(txnId, events, ephemeral));
    this.appendTx = db.transaction((entries: readonly OutboxEntry[]) => {
      const at = this.now();
      // The outbox hands over the text it serialised at enqueue; the payload is what parsing it gave.
      return entries.map((e) => Number(this.appendRow.run(e.txnId, e.roomKey, e.outboxKind, e.payloadJson ?? toJson(e.payload, 'outbox payload'), at, at).lastInsertRowid));
    });
    this.pruneTx = db.transaction((cutoff: number) =>
      this.pruneTxns.run(cutoff).changes + this.pruneDone.run(cutoff).changes + this.pruneDead.run(cutoff - DEAD_LETTER_EXTRA_RETENTION_MS).changes);
  }

  accept(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): JournalAcceptResult {
    return this.acceptTx(txnId, events, ephemeral);
  }

  recordEchoOnly(txnId: string): void {
    const at = this.now();
    const write = () => { this.recordTxn.run(txnId, at, ECHO_ONLY_FINGERPRINT); };
    if (this.deferred) this.deferred.deferQuietly(write, () => {});
    else write();
  }

  lastTransactionId(): string | undefined {
    this.deferred?.flush();
    return this.lastTxn.get()?.txn_id;
  }

  private acceptInTx(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): JournalAcceptResult {
    const fingerprint = transactionFingerprint(events, ephemeral);
    // A record without a fingerprint predates them: taken as new, its room events still dedupe by ID.
    const seen = this.seenTxn.get(txnId);
    if (seen && seen.fingerprint === fingerprint) return { duplicate: true, queued: [] };
    const at = this.now();
    this.recordTxn.run(txnId, at, fingerprint);
    const queued: QueuedItem[] = [];
    for (const event of events) {
      const info = this.enqueue.run(txnId, 'room', event.eventId, event.roomId, toJson(event, 'event'), at, at);
      if (info.changes > 0) queued.push({ seq: Number(info.lastInsertRowid), kind: 'room', event, attempts: 0 });
    }
    for (const event of ephemeral) {
      const info = this.enqueue.run(txnId, 'ephemeral', null, event.roomId ?? null, toJson(event, 'ephemeral event'), at, at);
      queued.push({ seq: Number(info.lastInsertRowid), kind: 'ephemeral', event, attempts: 0 });
    }
    if (!seen) return { duplicate: false, queued };
    // Seen with other content: new events mean the ID was reused (a homeserver restart); none
    // means a retry that differs only in what is not stored (Synapse resends no ephemeral events).
    return queued.length > 0 ? { duplicate: false, reusedId: true, queued } : { duplicate: true, queued };
  }

  appendOutbox(entries: readonly OutboxEntry[]): number[] {
    if (entries.length === 0) return [];
    const seqs = this.appendTx(entries);
    // Inside a caller's transaction the rows may still be rolled back: not known to exist yet.
    if (!this.db.inTransaction) for (const seq of seqs) this.appended.add(seq);
    return seqs;
  }

  pending(options?: PendingOptions): JournalItem[] {
    this.deferred?.flush();
    const limit = outboxPayloadLimit(options);
    return this.pendingRows.all(limit, limit).map(toItem);
  }

  outboxPayload(seq: number): { payload: unknown } | undefined {
    this.deferred?.flush();
    const row = this.payloadRow.get(seq);
    return row ? { payload: fromJson<unknown>(row.payload) } : undefined;
  }

  complete(seq: number, repeatable = false): void {
    const known = this.appended.delete(seq);
    if (!this.deferred || !repeatable) {
      this.deferred?.flush(); // in call order: what is queued lands first
      this.mustExist(seq, this.markDone.run(this.now(), seq).changes);
      return;
    }
    // Checked now, so a seq the journal never issued still throws at the call; written with the next commit.
    if (!known) this.mustExist(seq, this.exists.get(seq) ? 1 : 0);
    const at = this.now();
    this.deferred.deferQuietly(() => { this.markDone.run(at, seq); }, () => {
      // A failed commit leaves the item pending: it is sent again after a restart, under its txnId.
    });
  }

  markWritten(seq: number): void {
    this.deferred?.flush();
    const at = this.now();
    this.markSent.run(at, at, seq);
  }

  recordFailure(seq: number, error: string): number {
    this.deferred?.flush();
    const row = this.addFailure.get(clip(error), this.now(), seq);
    this.mustExist(seq, row ? 1 : 0);
    return (row as { attempts: number }).attempts;
  }

  deadLetter(seq: number, error: string): void {
    this.appended.delete(seq);
    this.deferred?.flush();
    this.mustExist(seq, this.markDead.run(clip(error), this.now(), seq).changes);
  }

  deadLetters(limit = 100): DeadLetter[] {
    this.deferred?.flush();
    return this.deadRows.all(limit).map(toDeadLetter);
  }

  prune(olderThanMs: number): number {
    this.deferred?.flush();
    return this.pruneTx(this.now() - olderThanMs);
  }

  // A seq the journal never issued (or pruned) means the caller lost track of its items.
  private mustExist(seq: number, changes: number): void {
    if (changes === 0) {
      throw new BridgeError('STORE_NOT_FOUND', `Queue item ${seq} does not exist in the event queue (already pruned?)`, { details: { seq } });
    }
  }
}
