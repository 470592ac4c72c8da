import type { Pool, PoolClient } from 'pg';
import type { EphemeralEvent, MatrixEvent } from '../../events';
import { BridgeError } from '../../errors/bridge-error';
import { transactionFingerprint } from '../../ingest/fingerprint';
import type { AsyncTransactionJournal, DeadLetter, JournalAcceptResult, JournalItem, OutboxEntry, PendingOptions, QueuedItem } from '../../ingest/types';
import { fromJson, toJson } from '../json';
import { clip, DEAD_LETTER_EXTRA_RETENTION_MS, LAST_TRANSACTION_SQL, outboxPayloadLimit, pendingRowsSql, toDeadLetter, toItem, type DeadRow, type QueueRow } from '../journal-rows';
import type { PostgresDeferredWrites } from './deferred';
import { inTransaction } from './sql';

/** What `accept` records for a transaction with no event to queue. */
const ECHO_ONLY_FINGERPRINT = transactionFingerprint([], []);

/**
 * The transaction journal on PostgreSQL, with the SQLite journal's semantics call for call: a
 * transaction's record and its events commit together or not at all, so "200 only once
 * persisted" holds when the caller answers after `accept` resolved. Callers keep accepts in
 * order themselves (Synapse sends one transaction at a time per appservice).
 */
export class PostgresTransactionJournal implements AsyncTransactionJournal {
  /**
   * `deferred`: where a repeatable `complete` and `recordEchoOnly` queue their writes, to share
   * a commit with the writes near them (deferred-writes.ts); without it each commits at once.
   * Reads, and writes to rows a queued write may touch, wait for what is queued to commit first.
   */
  constructor(private readonly pool: Pool, private readonly now: () => number, private readonly deferred?: PostgresDeferredWrites) {}

  /** Commits what is queued, when anything is (or a commit is under way), before a read. */
  private settle(): Promise<void> | undefined {
    return this.deferred?.busy ? Promise.resolve(this.deferred.flush()) : undefined;
  }

  async accept(txnId: string, events: MatrixEvent[], ephemeral: EphemeralEvent[]): Promise<JournalAcceptResult> {
    // Serialised before the first query: a payload that cannot be stored fails without a round trip.
    const rooms = events.map((event) => ({ event, json: toJson(event, 'event') }));
    const others = ephemeral.map((event) => ({ event, json: toJson(event, 'ephemeral event') }));
    const fingerprint = transactionFingerprint(events, ephemeral);
    return inTransaction(this.pool, async (c) => {
      const seen = (await c.query<{ fingerprint: string | null }>('SELECT fingerprint FROM transactions WHERE txn_id = $1', [txnId])).rows[0];
      if (seen && seen.fingerprint === fingerprint) return { duplicate: true, queued: [] };
      const at = this.now();
      await c.query(`INSERT INTO transactions (txn_id, received_at, fingerprint) VALUES ($1, $2, $3)
        ON CONFLICT (txn_id) DO UPDATE SET received_at = excluded.received_at, fingerprint = excluded.fingerprint`, [txnId, at, fingerprint]);
      const queued: QueuedItem[] = [];
      for (const { event, json } of rooms) {
        const seq = await this.enqueue(c, txnId, 'room', event.eventId, event.roomId, json, at);
        if (seq !== undefined) queued.push({ seq, kind: 'room', event, attempts: 0 });
      }
      for (const { event, json } of others) {
        const seq = await this.enqueue(c, txnId, 'ephemeral', null, event.roomId ?? null, json, at);
        if (seq !== undefined) queued.push({ seq, kind: 'ephemeral', event, attempts: 0 });
      }
      if (!seen) return { duplicate: false, queued };
      return queued.length > 0 ? { duplicate: false, reusedId: true, queued } : { duplicate: true, queued: [] };
    });
  }

  /**
   * Outbox entries in the given order, all or none, in the same sequence as Matrix events: one
   * statement (one round trip, one commit) however many entries a burst brings.
   */
  async appendOutbox(entries: readonly OutboxEntry[]): Promise<number[]> {
    if (entries.length === 0) return [];
    // The outbox hands over the text it serialised at enqueue (OutboxEntry.payloadJson).
    const payloads = entries.map((e) => e.payloadJson ?? toJson(e.payload, 'outbox payload'));
    // Rows are inserted in ordinality order, so their seqs rise in entry order.
    const { rows } = await this.pool.query<{ seq: number }>(`INSERT INTO event_queue (txn_id, kind, room_id, outbox_kind, payload, created_at, updated_at)
      SELECT txn_id, 'outbox', room_id, outbox_kind, payload, $5::bigint, $5::bigint
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(txn_id, room_id, outbox_kind, payload, ord)
      ORDER BY ord RETURNING seq`,
    [entries.map((e) => e.txnId), entries.map((e) => e.roomKey), entries.map((e) => e.outboxKind), payloads, this.now()]);
    return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
  }

  async pending(options?: PendingOptions): Promise<JournalItem[]> {
    await this.settle();
    const limit = outboxPayloadLimit(options);
    const { rows } = await this.pool.query<QueueRow>(pendingRowsSql((n) => `$${n}::bigint`), [limit, limit]);
    return rows.map(toItem);
  }

  /** Not behind the queued writes: a pending item's payload is not what any of them changes. */
  async outboxPayload(seq: number): Promise<{ payload: unknown } | undefined> {
    const { rows } = await this.pool.query<{ payload: string }>(
      "SELECT payload FROM event_queue WHERE seq = $1 AND kind = 'outbox' AND state = 'pending'", [seq]);
    return rows[0] ? { payload: fromJson<unknown>(rows[0].payload) } : undefined;
  }

  /** Not behind the queued writes: none of them touches an item not yet done. */
  async markWritten(seq: number): Promise<void> {
    const at = this.now();
    await this.pool.query('UPDATE event_queue SET written_at = $1, updated_at = $1 WHERE seq = $2 AND written_at IS NULL', [at, seq]);
  }

  /**
   * Not `repeatable` (a Matrix event a rerun could repeat on the network): committed now, with
   * what is queued before it, and resolved once durable. `repeatable`: with the next group,
   * resolved once that has committed (a few milliseconds).
   */
  async complete(seq: number, repeatable = false): Promise<void> {
    if (!this.deferred) {
      const { rowCount } = await this.pool.query("UPDATE event_queue SET state = 'done', payload = NULL, updated_at = $1 WHERE seq = $2", [this.now(), seq]);
      mustExist(seq, rowCount);
      return;
    }
    const done = this.deferred.defer({ kind: 'done', seq, at: this.now() });
    if (!repeatable) void this.deferred.flush();
    await done;
  }

  /**
   * Noted with the next group; resolves at once and never rejects (the ingestor does not wait
   * for it): losing the ID in a crash or an outage costs at most one refused push.
   */
  recordEchoOnly(txnId: string): Promise<void> {
    const write = { kind: 'txn', txnId, fingerprint: ECHO_ONLY_FINGERPRINT, at: this.now() } as const;
    try {
      if (this.deferred) {
        this.deferred.deferQuietly(write, () => {});
      } else {
        this.pool.query(`INSERT INTO transactions (txn_id, received_at, fingerprint) VALUES ($1, $2, $3)
          ON CONFLICT (txn_id) DO UPDATE SET received_at = excluded.received_at, fingerprint = excluded.fingerprint`, [txnId, write.at, write.fingerprint]).catch(() => undefined);
      }
    } catch {
      // closed: as lost as in a crash
    }
    return Promise.resolve();
  }

  async recordFailure(seq: number, error: string): Promise<number> {
    await this.settle();
    const { rows } = await this.pool.query<{ attempts: number }>(
      'UPDATE event_queue SET attempts = attempts + 1, last_error = $1, updated_at = $2 WHERE seq = $3 RETURNING attempts', [clip(error), this.now(), seq]);
    mustExist(seq, rows.length);
    return rows[0].attempts;
  }

  async deadLetter(seq: number, error: string): Promise<void> {
    await this.settle();
    const { rowCount } = await this.pool.query("UPDATE event_queue SET state = 'dead', last_error = $1, updated_at = $2 WHERE seq = $3", [clip(error), this.now(), seq]);
    mustExist(seq, rowCount);
  }

  async deadLetters(limit = 100): Promise<DeadLetter[]> {
    await this.settle();
    const { rows } = await this.pool.query<DeadRow>(`SELECT seq, txn_id, kind, event_id, room_id, last_error, attempts, updated_at
      FROM event_queue WHERE state = 'dead' ORDER BY seq DESC LIMIT $1`, [limit]);
    return rows.map(toDeadLetter);
  }

  async lastTransactionId(): Promise<string | undefined> {
    await this.settle();
    return (await this.pool.query<{ txn_id: string }>(LAST_TRANSACTION_SQL)).rows[0]?.txn_id;
  }

  async prune(olderThanMs: number): Promise<number> {
    await this.settle();
    const cutoff = this.now() - olderThanMs;
    return inTransaction(this.pool, async (c) => {
      const txns = await c.query('DELETE FROM transactions WHERE received_at < $1', [cutoff]);
      const done = await c.query("DELETE FROM event_queue WHERE state = 'done' AND updated_at < $1", [cutoff]);
      const dead = await c.query("DELETE FROM event_queue WHERE state = 'dead' AND updated_at < $1", [cutoff - DEAD_LETTER_EXTRA_RETENTION_MS]);
      return (txns.rowCount ?? 0) + (done.rowCount ?? 0) + (dead.rowCount ?? 0);
    });
  }

  /** The new item's seq, or undefined when its event_id is already known (resent by the homeserver). */
  private async enqueue(c: PoolClient, txnId: string, kind: 'room' | 'ephemeral', eventId: string | null, roomId: string | null, payload: string, at: number): Promise<number | undefined> {
    const { rows } = await c.query<{ seq: number }>(`INSERT INTO event_queue (txn_id, kind, event_id, room_id, payload, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING seq`, [txnId, kind, eventId, roomId, payload, at]);
    return rows[0]?.seq;
  }
}

// A seq the journal never issued (or pruned) means the caller lost track of its items.
function mustExist(seq: number, changes: number | null): void {
  if (!changes) throw new BridgeError('STORE_NOT_FOUND', `Queue item ${seq} does not exist in the event queue (already pruned?)`, { details: { seq } });
}
