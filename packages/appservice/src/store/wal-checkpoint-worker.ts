/**
 * SQLite's WAL checkpoints, moved off the event loop. In WAL mode with synchronous=NORMAL the
 * only fsyncs are a checkpoint's (the WAL, then the database file), and SQLite runs one inside
 * whichever commit pushes the WAL past 1,000 pages: on this project's bench machine that was
 * one commit in about 180, stalling the bridge 4–10 ms (more under load) in the middle of a
 * transaction push, which is what set the Matrix → IRC latency's p99.
 *
 * Here the store's own connection checkpoints only as a safety net (a WAL of `SAFETY_NET_PAGES`),
 * and a worker thread with a second connection to the same file runs a PASSIVE checkpoint (it
 * never waits for, nor blocks, the store's reads and writes) at most once per interval, and
 * only after the store wrote something. Durability is SQLite's as before: the checkpointing
 * connection syncs the WAL before it overwrites the database. Should the worker fail to start
 * or die, the store's connection checkpoints by itself again, as SQLite does by default.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How long `close` waits for the worker's connection to close (a checkpoint may be under way). */
const CLOSE_WAIT_MS = 5_000;
/** SQLite's default auto-checkpoint, restored when the worker is not there to do the job. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** How large the WAL may grow (pages of 4 KiB: 40 MiB) before the store's connection checkpoints anyway. */
const SAFETY_NET_PAGES = 10_000;

// CommonJS run with `eval`: no file to ship beside a bundled program. The driver's path comes
// from the main thread, so it resolves wherever the program was installed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 0, fileMustExist: true });
const closed = new Int32Array(workerData.closed);
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    parentPort.close();
    return;
  }
  let row;
  try {
    row = db.pragma('wal_checkpoint(PASSIVE)')[0];
  } catch (error) {
    row = { error: String(error && error.message) };
  }
  parentPort.postMessage(row);
});
`;

/** What one checkpoint did: SQLite's `wal_checkpoint` row, or why it could not run. */
export interface WorkerCheckpointResult {
  /** 1 when another checkpoint was running (nothing done this time). */
  busy?: number;
  /** Frames in the WAL, and how many of them are now in the database file. */
  log?: number;
  checkpointed?: number;
  error?: string;
}

export interface WorkerCheckpointerOptions {
  /** Most one checkpoint per this many ms (default 1,000). */
  intervalMs?: number;
  /** The better-sqlite3 module the worker loads (default: the one this process uses). */
  driver?: string;
  /** Start the worker at once (its start-up peak before the bridge's), not at the first checkpoint. */
  eager?: boolean;
}

export class WorkerCheckpointer {
  private worker: Worker | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly totalChanges: Database.Statement;
  private changesAtLast = 0;
  private inFlight = false;
  private failed = false;
  private closed = false;
  private readonly waiters: Array<(result: WorkerCheckpointResult) => void> = [];
  /** Set to 1 by the worker once its connection is closed. */
  private readonly workerClosed = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly db: Database.Database, private readonly path: string, private readonly options: WorkerCheckpointerOptions = {}) {
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    // Rows changed by this connection so far: a cheap "was anything written since?".
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.changesAtLast = this.changes();
    this.timer = setInterval(() => { void this.checkpointIfWritten(); }, options.intervalMs ?? 1000);
    this.timer.unref();
    if (options.eager) this.start();
  }

  /** Whether checkpoints run in the worker (false once it failed: the store checkpoints itself). */
  get inBackground(): boolean {
    return !this.failed && !this.closed;
  }

  /** Runs a checkpoint in the worker now (tests, and the interval); resolves with what it did. */
  checkpoint(): Promise<WorkerCheckpointResult> {
    if (!this.inBackground) return Promise.resolve({ error: this.failed ? 'the checkpoint worker failed' : 'closed' });
    const done = new Promise<WorkerCheckpointResult>((resolve) => this.waiters.push(resolve));
    if (!this.inFlight) {
      this.inFlight = true;
      this.changesAtLast = this.changes();
      this.start().postMessage('checkpoint');
    }
    return done;
  }

  /**
   * Stops the interval and waits (briefly, blocking) until the worker's connection is closed, so
   * the store's own connection is the last one: its close checkpoints everything and removes the
   * WAL, and a database file copied after the bridge stopped holds every commit, as before.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.settle({ error: 'closed' });
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.postMessage('close');
    Atomics.wait(this.workerClosed, 0, 0, CLOSE_WAIT_MS);
    worker.unref();
  }

  private checkpointIfWritten(): Promise<WorkerCheckpointResult> | undefined {
    if (this.inFlight || !this.inBackground || !this.db.open || this.changes() === this.changesAtLast) return undefined;
    return this.checkpoint();
  }

  private changes(): number {
    return this.totalChanges.get() as number;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: {
      driver: this.options.driver ?? require.resolve('better-sqlite3'), path: this.path, closed: this.workerClosed.buffer,
    } });
    worker.unref();
    worker.on('message', (result: WorkerCheckpointResult) => {
      this.inFlight = false;
      this.settle(result);
    });
    worker.on('error', () => this.fail());
    worker.on('exit', () => {
      if (!this.closed) this.fail();
    });
    this.worker = worker;
    return worker;
  }

  /** The worker is gone: the store's connection checkpoints by itself again. */
  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    this.inFlight = false;
    this.worker = undefined;
    clearInterval(this.timer);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    this.settle({ error: 'the checkpoint worker failed' });
  }

  private settle(result: WorkerCheckpointResult): void {
    for (const resolve of this.waiters.splice(0)) resolve(result);
  }
}
