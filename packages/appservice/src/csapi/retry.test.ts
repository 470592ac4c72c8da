import { isRetriable } from '../errors/bridge-error';
import { MatrixError, NetworkError } from './errors';
import { parseRetryAfter, retryDelay } from './retry';

const base = { baseMs: 100, capMs: 5000, random: () => 0.5 };

describe('retryDelay', () => {
  it('uses the Retry-After header in seconds before anything else', () => {
    expect(retryDelay(3, { ...base, retryAfterHeader: '2', retryAfterMs: 99 })).toBe(2000);
  });

  it('uses an HTTP-date Retry-After relative to now', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryDelay(0, { ...base, retryAfterHeader: 'Wed, 21 Oct 2015 07:28:07 GMT', nowMs: now })).toBe(7000);
  });

  it('never returns a negative delay for a date in the past', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryDelay(0, { ...base, retryAfterHeader: 'Wed, 21 Oct 2015 07:27:00 GMT', nowMs: now })).toBe(0);
  });

  it('falls back to retry_after_ms when the header is absent or unparsable', () => {
    expect(retryDelay(0, { ...base, retryAfterMs: 1234 })).toBe(1234);
    expect(retryDelay(0, { ...base, retryAfterHeader: 'soon', retryAfterMs: 1234.2 })).toBe(1235);
  });

  it('does not cap the server hint (retrying earlier would be refused again)', () => {
    expect(retryDelay(0, { ...base, retryAfterMs: 60_000 })).toBe(60_000);
  });

  it('grows exponentially with full jitter', () => {
    const ceilingOf = (attempt: number) => retryDelay(attempt, { ...base, random: () => 0.999999 });
    expect([0, 1, 2, 3].map(ceilingOf)).toEqual([99, 199, 399, 799]);
    expect(retryDelay(2, { ...base, random: () => 0 })).toBe(0);
    expect(retryDelay(2, { ...base, random: () => 0.5 })).toBe(200);
  });

  it('caps the exponential backoff', () => {
    expect(retryDelay(30, { ...base, random: () => 0.999999 })).toBe(4999);
  });
});

describe('parseRetryAfter', () => {
  it('rejects garbage', () => {
    expect(parseRetryAfter('later', 0)).toBeUndefined();
    expect(parseRetryAfter('-5', 0)).toBeUndefined();
  });
});

describe('isRetriable on homeserver errors (the one notion the transport and the ingest share)', () => {
  it.each([[429, true], [500, true], [502, true], [503, true], [400, false], [401, false], [403, false], [404, false], [409, false]])(
    '%i → %s',
    (status, expected) => expect(isRetriable(new MatrixError('M_UNKNOWN', status, 'x', 'GET /x'))).toBe(expected),
  );
  it('retries a homeserver that could not be reached', () => {
    expect(isRetriable(new NetworkError('unreachable', 'GET /x', 'http://hs'))).toBe(true);
  });
});

describe('retryDelay jitter and odd attempt counts', () => {
  const base = { baseMs: 2000, capMs: 300_000 };
  it.each<[number, number, number]>([
    // attempt, random, expected with half the delay random
    [0, 0, 1000], [0, 1, 2000], [1, 0.5, 3000], [3, 1, 16000], [10, 1, 300000], [10, 0, 150000],
    [1000, 1, 300000], [-5, 1, 2000], [Number.NaN, 1, 2000],
  ])('attempt %d with random %d → %d ms', (attempt, r, expected) => {
    expect(retryDelay(attempt, { ...base, jitter: 0.5, random: () => r })).toBe(expected);
  });

  it('is fixed without jitter, and spreads a crowd with it', () => {
    expect(retryDelay(2, { baseMs: 100, capMs: 1000, jitter: 0, random: () => 0.9 })).toBe(400);
    const delays = new Set(Array.from({ length: 50 }, () => retryDelay(4, { ...base, jitter: 0.5, random: Math.random })));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 16000 && d <= 32000).toBe(true);
  });
});
