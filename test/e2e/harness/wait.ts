/** Bounded waiting: every wait in the harness has a deadline and says what it waited for. */

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, detail?: string) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail}` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PollOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt; a returned Error aborts the wait (e.g. the process exited). */
  abortIf?: () => Error | undefined;
  /** Extra text for the timeout message (e.g. a log tail), computed only on timeout. */
  detail?: () => string;
}

/** Calls `attempt` until it returns a value other than undefined, or the deadline passes. */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  for (;;) {
    const abort = options.abortIf?.();
    if (abort) throw abort;
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() + interval > deadline) {
      throw new WaitTimeoutError(options.what, options.timeoutMs, options.detail?.());
    }
    await delay(interval);
  }
}
