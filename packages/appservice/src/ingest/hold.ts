/**
 * The one policy for work that fails while the homeserver is away: an error that declares itself
 * retriable (`isRetriable`: MatrixError 5xx/429, NetworkError, a connector's BridgeError that says
 * so) is tried again with the core's backoff (`retryDelay`, honouring the homeserver's
 * Retry-After) while the room waits behind it, for at most `maxHoldMs` since it first failed;
 * anything else gives up at once.
 */
import { retryDelay } from '../csapi/retry';
import { isRetriable } from '../errors/bridge-error';
import { isTransientConnectionError } from '../errors/transient';

/** How long delivery to Matrix is held through an outage by default (like the IRC bridge's 15 minutes before). */
export const DEFAULT_MAX_HOLD_MS = 15 * 60_000;
/** Longest wait between two attempts while held, so a recovered homeserver is noticed soon. */
const HOLD_RETRY_CAP_MS = 30_000;
const HOLD_RETRY_BASE_MS = 1_000;

/**
 * Holding a room is for outages, so only an error that says it is retriable holds it. An error
 * that says nothing (a bug, a library's own) is retriable for `isRetriable`, which suits the
 * inbox's few attempts; here it would stall the room for the whole bound, so it fails at once.
 */
export function holdsRoom(err: unknown): boolean {
  // A database or server that is away for now (a PostgreSQL restart) is an outage too.
  if (isTransientConnectionError(err)) return true;
  const declared = typeof err === 'object' && err !== null && typeof (err as { retriable?: unknown }).retriable === 'boolean';
  return declared && isRetriable(err);
}

/** What is known about a failing item between its attempts (kept in memory; a restart starts afresh). */
export interface HoldState {
  /** Attempts that failed so far, this one included (≥ 1). */
  attempts: number;
  /** When it first failed retriably (ms). */
  heldSince?: number;
}

export type HoldDecision =
  | { retryInMs: number }
  | { giveUp: 'permanent' | 'outage-too-long' };

export function holdDecision(err: unknown, state: HoldState, opts: { now: number; maxHoldMs: number; random: () => number }): HoldDecision {
  if (!holdsRoom(err)) return { giveUp: 'permanent' };
  const since = state.heldSince ?? opts.now;
  if (opts.now - since >= opts.maxHoldMs) return { giveUp: 'outage-too-long' };
  const hint = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return {
    retryInMs: retryDelay(state.attempts - 1, {
      baseMs: HOLD_RETRY_BASE_MS, capMs: HOLD_RETRY_CAP_MS, random: opts.random,
      ...(typeof hint === 'number' ? { retryAfterMs: hint } : {}),
    }),
  };
}
