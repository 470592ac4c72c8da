/**
 * Journal writes that answer with a Promise (a database server): retried through a short outage,
 * and tracked so a stop can wait for them before the store closes. A database server restart or
 * a dropped connection is over in seconds and the pool reconnects by itself; giving up at the
 * first failure would mark a delivered event undone (repeated after a restart) or, for the
 * outbox, lose what a network said. Synchronous writes (SQLite) never come here.
 */
import type { Timers } from './room-queues';
import type { MaybePromise } from './types';

export interface JournalWriteOptions {
  timers: Timers;
  now(): number;
  /** How long a write is retried before its failure is final. */
  maxMs: number;
  /** Told once per write, at the first failure that will be retried. */
  onRetry?(error: unknown): void;
}

/** First pause 250 ms, doubling to 5 s: a restarting server is usually back within a few. */
const FIRST_PAUSE_MS = 250;
const MAX_PAUSE_MS = 5_000;
/** Default hold of a write through an outage. */
export const DEFAULT_JOURNAL_WRITE_HOLD_MS = 60_000;

export class JournalWrites {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: JournalWriteOptions) {}

  /** Runs `write`, again after a pause while it fails, until it succeeds or `maxMs` has passed. */
  run<T>(write: () => Promise<T>): Promise<T> {
    const attempt = this.retrying(write);
    this.inFlight.add(attempt);
    const forget = () => { this.inFlight.delete(attempt); };
    attempt.then(forget, forget);
    return attempt;
  }

  /** Resolves once every write started so far has settled (succeeded or given up). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** No more retries: the store is closing (a write failing now fails for good). */
  close(): void {
    this.closed = true;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  private async retrying<T>(write: () => Promise<T>): Promise<T> {
    const started = this.opts.now();
    let pause = FIRST_PAUSE_MS;
    for (let tries = 0; ; tries++) {
      try {
        return await write();
      } catch (err) {
        if (this.closed || this.opts.now() - started + pause > this.opts.maxMs) throw err;
        if (tries === 0) this.opts.onRetry?.(err);
        await new Promise<void>((resolve) => { this.opts.timers.setTimeout(resolve, pause); });
        pause = Math.min(pause * 2, MAX_PAUSE_MS);
      }
    }
  }
}

/**
 * A journal call's answer as it comes (a synchronous journal), or, when it is a Promise, the
 * same call retried through an outage by `writes` (the first attempt is the call already made).
 */
export function journalCall<T>(writes: JournalWrites, call: () => MaybePromise<T>): MaybePromise<T> {
  const first = call();
  return first instanceof Promise ? retried(writes, first, call) : first;
}

/** `first` (an attempt already under way), then `call` again while it fails, within `writes`' bound. */
export function retried<T>(writes: JournalWrites, first: Promise<T>, call: () => MaybePromise<T>): Promise<T> {
  let firstTry: Promise<T> | undefined = first;
  first.catch(() => undefined); // its failure is the retry's business
  return writes.run(() => {
    const attempt = firstTry ?? Promise.resolve(call());
    firstTry = undefined;
    return attempt;
  });
}
