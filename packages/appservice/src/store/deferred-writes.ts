/**
 * Store writes that may wait a few milliseconds (at most 10), committed together. In SQLite's WAL
 * mode a commit costs about 50 µs of CPU on its own (two thirds of it in the kernel); on
 * PostgreSQL it is a round trip and a WAL flush. Either way far more than the row it writes: a
 * bridged IRC line made two such commits after its send (its message link, its journal item
 * marked done), and an echo-only transaction a third. Grouped, they share one commit.
 *
 * Only writes whose loss in a crash is harmless come here: an outbox item marked done is sent
 * again after a restart under the same transaction ID, which the homeserver deduplicates, and a
 * Matrix event marked written is not run again (a Matrix event that was not marked written is
 * marked done with a commit of its own: a rerun could repeat its line on IRC); a lost message
 * link shows a later reply without its quote. Anything that must be durable before the bridge acts
 * on it (accepting a transaction, journaling a line before it is sent) stays a commit of its own,
 * and runs `flush()` first, so the queued writes land before it, in call order.
 *
 * `GroupedWrites` is the mechanism (the queue, its timer, each caller told of its own write's
 * fate); the store gives it the commit: synchronous for SQLite (`DeferredWrites` below), a
 * Promise for PostgreSQL (postgres/deferred.ts), where one commit runs at a time, in order.
 */
import type { Database } from 'better-sqlite3';
import type { MaybePromise } from '../ingest/types';

export interface DeferredWritesOptions {
  /** The longest a queued write waits for its commit (default 10 ms). */
  maxDelayMs?: number;
  /** A commit as soon as this many writes are queued (default 256). */
  maxQueued?: number;
}

/**
 * Commits `writes` together, in order. Returns one outcome per write: undefined when it is
 * committed, else its error (that write alone failed; the others are committed). Throws or
 * rejects when none was committed.
 */
export type GroupCommit<W> = (writes: readonly W[]) => MaybePromise<unknown[]>;

interface Queued<W> {
  write: W;
  settle?: (err?: unknown) => void;
}

export class GroupedWrites<W> {
  private queued: Queued<W>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The commit under way (asynchronous commits only): the next one starts after it. */
  private tail: Promise<void> | undefined;
  private readonly maxDelayMs: number;
  private readonly maxQueued: number;

  /** `isOpen`: false once the store is closed, when a new write is refused at the call. */
  constructor(private readonly commit: GroupCommit<W>, private readonly isOpen: () => boolean, options: DeferredWritesOptions = {}) {
    this.maxDelayMs = options.maxDelayMs ?? 10;
    this.maxQueued = options.maxQueued ?? 256;
  }

  /** Queues `write`; resolves once it is committed, rejects with its error. */
  defer(write: W): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.enqueue({ write, settle: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  /** Queues `write` when nobody waits for it; a failure goes to `onError`. */
  deferQuietly(write: W, onError: (err: unknown) => void): void {
    this.enqueue({ write, settle: (err) => { if (err !== undefined) onError(err); } });
  }

  /** Writes still waiting for their commit (not counting a commit under way). */
  get size(): number {
    return this.queued.length;
  }

  /** True while anything is queued or being committed: a read must `flush()` first to see it. */
  get busy(): boolean {
    return this.queued.length > 0 || this.tail !== undefined;
  }

  /**
   * Commits what is queued now (before a read that must see it, or a close): synchronously with
   * a synchronous commit; otherwise the Promise settles once this and every earlier commit has.
   */
  flush(): MaybePromise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const writes = this.queued;
    if (writes.length === 0) return this.tail;
    this.queued = [];
    if (this.tail) return this.chain(this.tail.then(() => this.run(writes)));
    const result = this.run(writes);
    return result instanceof Promise ? this.chain(result) : undefined;
  }

  private run(queued: Queued<W>[]): MaybePromise<void> {
    const failed = (err: unknown) => { for (const q of queued) q.settle?.(err); };
    const settled = (outcomes: unknown[]) => { queued.forEach((q, i) => q.settle?.(outcomes[i])); };
    let outcomes: MaybePromise<unknown[]>;
    try {
      outcomes = this.commit(queued.map((q) => q.write));
    } catch (err) {
      failed(err);
      return;
    }
    if (outcomes instanceof Promise) return outcomes.then(settled, failed);
    settled(outcomes);
  }

  private chain(commit: Promise<void>): Promise<void> {
    const tail = commit.finally(() => { if (this.tail === tail) this.tail = undefined; });
    this.tail = tail;
    return tail;
  }

  private enqueue(queued: Queued<W>): void {
    if (!this.isOpen()) throw new TypeError('The database connection is closed');
    this.queued.push(queued);
    if (this.queued.length >= this.maxQueued) {
      void this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.maxDelayMs);
      // Never what keeps the process alive: the store's close() flushes.
      this.timer.unref();
    }
  }
}

/** SQLite's grouped writes: each a closure run inside one transaction, committed synchronously. */
export class DeferredWrites extends GroupedWrites<() => void> {
  constructor(db: Database, options: DeferredWritesOptions = {}) {
    // A failing write is rolled back alone (SQLite undoes the failed statement) and reported to
    // its caller; the others commit. Inside a transaction already (a caller's own), the writes join it.
    const commit = db.transaction((writes: readonly (() => void)[]) => writes.map((write) => {
      try {
        write();
        return undefined;
      } catch (err) {
        return err ?? new Error('A deferred write failed');
      }
    }));
    super(commit, () => db.open, options);
  }

  /** Commits what is queued now, synchronously. */
  override flush(): void {
    void super.flush();
  }
}
