/**
 * One clock for every timestamp in the suite: CLOCK_MONOTONIC through `process.hrtime`, which
 * on Linux is the same clock in every process, so times taken in the bridge's process and in
 * the harness can be subtracted from each other.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Polls `check` every `everyMs` until it returns something truthy. Bounded: throws after
 * `timeoutMs`, naming `what`, so a stuck scenario fails with a readable reason instead of hanging.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 5): Promise<T> {
  const deadline = nowMs() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (nowMs() > deadline) throw new TimeoutError(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejects after `ms` unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
