/**
 * SQLite's WAL checkpoints, moved out of the bridge's commits. In WAL mode with
 * synchronous=NORMAL the only fsyncs are a checkpoint's (the WAL, then the database file), and
 * SQLite runs one inside whichever commit pushes the WAL past 1,000 pages: on this project's
 * bench machine one commit in about 180, stalling the bridge 4–10 ms in the middle of handling a
 * transaction, which is what set the Matrix → IRC latency's p99.
 *
 * Here the store's own connection runs a PASSIVE checkpoint (it never waits for a reader) when
 * the store is quiet: at most once per interval, only after something was written, and only once
 * no row has changed for `quietMs` (a bridge between two messages, not one in the middle of
 * handling one). The checkpoint still blocks the event loop for its fsyncs (2–4 ms), but between
 * messages, where at most the next request waits for what is left of it. Short quiet on purpose:
 * the sooner after a message's last write, the further from the next one (with 5 ms, on the paced
 * bench, the checkpoint often landed just as the next message came in and delayed twice as many
 * messages past 3 ms). SQLite's own 1,000-page auto-checkpoint stays as the fallback for a store
 * that is never quiet.
 *
 * Not a worker thread: one costs about 14 MiB of peak RSS (a second isolate and Node
 * environment), which the 200-puppet run's memory target cannot spare
 * (bench/results/2026-12-07-vm-checkpoint.md). Durability is SQLite's, unchanged: the same
 * connection, the same synchronous=NORMAL, so the WAL is synced before the database file is
 * overwritten; and closing the store's (only) connection checkpoints everything and removes the WAL.
 */
import type Database from 'better-sqlite3';

/** SQLite's default auto-checkpoint: the fallback when the store never goes quiet. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 1000;

/** What one checkpoint did: SQLite's `wal_checkpoint` row, or why it could not run. */
export interface CheckpointResult {
  /** 1 when a reader held frames back (the checkpoint did what it could). */
  busy?: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface WalCheckpointerOptions {
  /** At most one checkpoint per this many ms (default 2,000). */
  intervalMs?: number;
  /** How long no row may have changed before a due checkpoint runs (default 2 ms). */
  quietMs?: number;
}

export class WalCheckpointer {
  private readonly timer: NodeJS.Timeout;
  private quietTimer: NodeJS.Timeout | undefined;
  private readonly totalChanges: Database.Statement;
  /** Rows changed by the connection at the last checkpoint, and at the last look for quiet. */
  private changesAtLast: number;
  private changesSeen = 0;
  private closed = false;

  constructor(private readonly db: Database.Database, private readonly options: WalCheckpointerOptions = {}) {
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
    // Rows changed by this connection so far: a cheap "was anything written since?".
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.changesAtLast = this.changes();
    this.timer = setInterval(() => this.waitForQuiet(), options.intervalMs ?? 2000);
    this.timer.unref();
  }

  /** Runs a PASSIVE checkpoint now, on this thread (the quiet path, and tests). */
  checkpoint(): CheckpointResult {
    if (this.closed || !this.db.open) return { error: 'closed' };
    if (this.db.inTransaction) return { error: 'a transaction is open' };
    this.changesAtLast = this.changes();
    try {
      return (this.db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])[0]!;
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Stops the timers; the store's close then checkpoints everything and removes the WAL. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
  }

  /** Due (the interval passed, something was written): look for `quietMs` without a change. */
  private waitForQuiet(): void {
    if (this.quietTimer || this.closed || !this.db.open) return;
    const now = this.changes();
    if (now === this.changesAtLast) return;
    this.changesSeen = now;
    this.armQuietTimer();
  }

  private armQuietTimer(): void {
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      if (this.closed || !this.db.open) return;
      const now = this.changes();
      if (now !== this.changesSeen || this.db.inTransaction) {
        // Still busy: look again; SQLite's 1,000-page fallback covers a store that never rests.
        this.changesSeen = now;
        this.armQuietTimer();
        return;
      }
      this.checkpoint();
    }, this.options.quietMs ?? 2);
    this.quietTimer.unref();
  }

  private changes(): number {
    return this.totalChanges.get() as number;
  }
}
