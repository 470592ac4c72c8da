/**
 * When to retry a client-server request and how long to wait. Pure functions, so the policy is
 * tested on its own, without HTTP.
 */

export interface RetryDelayOptions {
  /** Raw `Retry-After` header: delay-seconds or an HTTP-date. */
  retryAfterHeader?: string | null;
  /** `retry_after_ms` from an `M_LIMIT_EXCEEDED` body (deprecated by the spec in favour of the header). */
  retryAfterMs?: number;
  /** First backoff step; attempt n waits up to `baseMs * 2^n`. */
  baseMs: number;
  /** Upper bound of the exponential backoff (the server's own Retry-After is not capped here). */
  capMs: number;
  /** Returns [0, 1); injected so tests are deterministic. */
  random: () => number;
  /**
   * The fraction of the delay that is random: 1 (default) is "full jitter", 0.5 keeps the lower
   * half fixed (a reconnect that should not come back almost at once), 0 none.
   */
  jitter?: number;
  /** Current time, for an HTTP-date Retry-After. */
  nowMs?: number;
}

/**
 * Milliseconds to wait before retry number `attempt` (0 = the first retry). The server's own
 * hint wins (header first, then body); otherwise exponential backoff with jitter (full by
 * default), so a crowd of requests that failed together does not retry together. The one
 * backoff of the project: requests, held deliveries and the IRC bridge's reconnects use it.
 */
export function retryDelay(attempt: number, options: RetryDelayOptions): number {
  const server = serverHintMs(options);
  if (server !== undefined) return server;
  // Past 2^30 every realistic cap is reached; NaN or a negative count is a first retry.
  const exponent = Number.isFinite(attempt) ? Math.min(Math.max(0, Math.floor(attempt)), 30) : 0;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 1));
  return Math.floor(ceiling * (1 - jitter) + ceiling * jitter * options.random());
}

function serverHintMs(options: RetryDelayOptions): number | undefined {
  if (options.retryAfterHeader) {
    const fromHeader = parseRetryAfter(options.retryAfterHeader, options.nowMs ?? Date.now());
    if (fromHeader !== undefined) return fromHeader;
  }
  const ms = options.retryAfterMs;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  return undefined;
}

/** `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` → ms from `nowMs` (never negative). */
export function parseRetryAfter(header: string, nowMs: number): number | undefined {
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // All three HTTP-date forms start with a day name; Date.parse alone accepts "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
