/**
 * The event queue's rows as both journals (SQLite and PostgreSQL) read them: one table shape,
 * one mapping to journal items and dead letters, one set of limits.
 */
import type { EphemeralEvent, MatrixEvent } from '../events';
import type { DeadLetter, JournalItem, PendingOptions } from '../ingest/types';
import { fromJson } from './json';

export interface QueueRow {
  seq: number;
  kind: 'room' | 'ephemeral' | 'outbox';
  txn_id: string;
  room_id: string | null;
  outbox_kind: string | null;
  payload: string | null;
  attempts: number;
  /** When its handler marked it written to the network; NULL if not (or before migration 6). */
  written_at: number | null;
  /** 1 (or true) when the read left the payload in the journal (`pending`'s bound). */
  in_journal?: number | boolean;
}

/**
 * The transaction recorded last: latest arrival, and of those recorded in the same millisecond
 * the highest ID (decimal IDs order by length, then text). One query for both databases.
 */
export const LAST_TRANSACTION_SQL = 'SELECT txn_id FROM transactions ORDER BY received_at DESC, length(txn_id) DESC, txn_id DESC LIMIT 1';

/**
 * The pending rows in order, an outbox payload only for the first `limit` outbox rows (the
 * parameter, given twice: `?`/`$1` per dialect). One query for both databases.
 */
export function pendingRowsSql(param: (n: 1 | 2) => string): string {
  return `SELECT seq, kind, txn_id, room_id, outbox_kind, attempts, written_at,
      CASE WHEN kind = 'outbox' AND n > ${param(1)} THEN NULL ELSE payload END AS payload,
      (kind = 'outbox' AND n > ${param(2)}) AS in_journal
    FROM (SELECT seq, kind, txn_id, room_id, outbox_kind, attempts, written_at, payload,
        row_number() OVER (PARTITION BY kind = 'outbox' ORDER BY seq) AS n
      FROM event_queue WHERE state = 'pending') AS p
    ORDER BY seq`;
}

/** `pending`'s bound as the query's parameter: all when none was asked for. */
export function outboxPayloadLimit(options: PendingOptions | undefined): number {
  return Math.max(0, Math.min(options?.outboxPayloads ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
}

export interface DeadRow {
  seq: number;
  txn_id: string;
  kind: 'room' | 'ephemeral' | 'outbox';
  event_id: string | null;
  room_id: string | null;
  last_error: string | null;
  attempts: number;
  updated_at: number;
}

/** Errors are kept for inspection, not as a log: a handler's stack trace need not fill the disk. */
const MAX_ERROR_CHARS = 4000;
/** Dead letters outlive finished events by this much (30 days), for an operator to inspect. */
export const DEAD_LETTER_EXTRA_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
export const clip = (error: string) => (error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS - 3)}...` : error);

export function toItem(r: QueueRow): JournalItem {
  switch (r.kind) {
    case 'room': return {
      seq: r.seq, kind: 'room', event: fromJson<MatrixEvent>(r.payload ?? ''), attempts: r.attempts, ...(r.written_at ? { written: true } : {}),
    };
    case 'ephemeral': return { seq: r.seq, kind: 'ephemeral', event: fromJson<EphemeralEvent>(r.payload ?? ''), attempts: r.attempts };
    case 'outbox': {
      const base = { seq: r.seq, kind: 'outbox' as const, roomKey: r.room_id ?? '', outboxKind: r.outbox_kind ?? '', txnId: r.txn_id, attempts: r.attempts };
      return r.in_journal ? { ...base, payload: undefined, payloadInJournal: true } : { ...base, payload: fromJson<unknown>(r.payload ?? '') };
    }
  }
}

export function toDeadLetter(r: DeadRow): DeadLetter {
  return {
    seq: r.seq,
    txnId: r.txn_id,
    kind: r.kind,
    ...(r.event_id !== null ? { eventId: r.event_id } : {}),
    ...(r.room_id !== null ? { roomId: r.room_id } : {}),
    error: r.last_error ?? '',
    attempts: r.attempts,
    failedAt: r.updated_at,
  };
}
