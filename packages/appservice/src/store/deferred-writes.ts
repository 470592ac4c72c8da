/**
 * SQLite writes that may wait a few milliseconds (at most 10), committed together. In WAL mode a
 * commit costs about 50 µs of CPU on its own (two thirds of it in the kernel), far more than the row it
 * writes; a bridged IRC line made two such commits after its send (its message link, its journal
 * item marked done), a quarter of the CPU a line may take. Grouped, they share one commit.
 *
 * Only writes whose loss in a crash is harmless come here: an outbox item marked done is sent
 * again after a restart under the same transaction ID, which the homeserver deduplicates, and a
 * Matrix event marked written is not run again (a Matrix event that was not marked written is
 * marked done with a commit of its own: a rerun could repeat its line on IRC); a lost message
 * link shows a later reply without its quote. Anything that must be durable before the bridge acts
 * on it (accepting a transaction, journaling a line before it is sent) stays a commit of its own,
 * and runs `flush()` first, so the queued writes land before it, in call order.
 */
import type { Database } from 'better-sqlite3';

export interface DeferredWritesOptions {
  /** The longest a queued write waits for its commit (default 10 ms). */
  maxDelayMs?: number;
  /** A commit as soon as this many writes are queued (default 256). */
  maxQueued?: number;
}

interface Queued {
  write: () => void;
  settle?: (err?: unknown) => void;
}

export class DeferredWrites {
  private queued: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly maxDelayMs: number;
  private readonly maxQueued: number;
  private readonly commit: (writes: Queued[]) => unknown[];

  constructor(private readonly db: Database, options: DeferredWritesOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? 10;
    this.maxQueued = options.maxQueued ?? 256;
    // A failing write is rolled back alone (SQLite undoes the failed statement) and reported to
    // its caller; the others commit.
    this.commit = db.transaction((writes: Queued[]) => writes.map(({ write }) => {
      try {
        write();
        return undefined;
      } catch (err) {
        return err ?? new Error('A deferred write failed');
      }
    }));
  }

  /** Queues `write`; resolves once it is committed, rejects with its error. */
  defer(write: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.enqueue({ write, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  /** Queues `write` when nobody waits for it; a failure goes to `onError`. */
  deferQuietly(write: () => void, onError: (err: unknown) => void): void {
    this.enqueue({ write, settle: (err) => { if (err !== undefined) onError(err); } });
  }

  /** Writes still waiting for their commit. */
  get size(): number {
    return this.queued.length;
  }

  /** Commits what is queued now, synchronously (before a read that must see it, or a close). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const writes = this.queued;
    if (writes.length === 0) return;
    this.queued = [];
    let outcomes: unknown[];
    try {
      // Inside a transaction already (a caller's own), the writes join it.
      outcomes = this.commit(writes);
    } catch (err) {
      for (const w of writes) w.settle?.(err);
      return;
    }
    writes.forEach((w, i) => w.settle?.(outcomes[i]));
  }

  private enqueue(queued: Queued): void {
    if (!this.db.open) throw new TypeError('The database connection is closed');
    this.queued.push(queued);
    if (this.queued.length >= this.maxQueued) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.maxDelayMs);
      // Never what keeps the process alive: the store's close() flushes.
      this.timer.unref();
    }
  }
}
