/**
 * The event queue's rows as both journals (SQLite and PostgreSQL) read them: one table shape,
 * one mapping to journal items and dead letters, one set of limits.
 */
import type { EphemeralEvent, MatrixEvent } from '../events';
import type { DeadLetter, JournalItem } from '../ingest/types';
import { fromJson } from './json';

export interface QueueRow {
  seq: number;
  kind: 'room' | 'ephemeral' | 'outbox';
  txn_id: string;
  room_id: string | null;
  outbox_kind: string | null;
  payload: string;
  attempts: number;
  /** When its handler marked it written to the network; NULL if not (or before migration 5). */
  written_at: number | null;
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
      seq: r.seq, kind: 'room', event: fromJson<MatrixEvent>(r.payload), attempts: r.attempts, ...(r.written_at !== null ? { written: true } : {}),
    };
    case 'ephemeral': return { seq: r.seq, kind: 'ephemeral', event: fromJson<EphemeralEvent>(r.payload), attempts: r.attempts };
    case 'outbox': return {
      seq: r.seq, kind: 'outbox', roomKey: r.room_id ?? '', outboxKind: r.outbox_kind ?? '', txnId: r.txn_id,
      payload: fromJson<unknown>(r.payload), attempts: r.attempts,
    };
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
