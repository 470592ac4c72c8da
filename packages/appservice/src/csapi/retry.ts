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
  /** Current time, for an HTTP-date Retry-After. */
  nowMs?: number;
}

/**
 * Milliseconds to wait before retry number `attempt` (0 = the first retry). The homeserver's
 * own hint wins (header first, then body); otherwise exponential backoff with full jitter,
 * so a crowd of requests that failed together does not retry together.
 */
export function retryDelay(attempt: number, options: RetryDelayOptions): number {
  const server = serverHintMs(options);
  if (server !== undefined) return server;
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(options.random() * ceiling);
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
