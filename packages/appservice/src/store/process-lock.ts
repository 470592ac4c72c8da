/**
 * One bridge process per store. Two bridges on one database both connect their bots and
 * puppets, and every remote message reaches Matrix twice; SQLite itself happily lets both in.
 *
 * The lock is an operating-system file lock, so it dies with its process, kill -9 included:
 * `<db>.lock` is a tiny SQLite database held in exclusive locking mode by an open connection
 * (SQLite's own POSIX locks, which also keep two connections of one process apart). Next to it,
 * `<db>.lock.json` records who holds it (pid, host, start time, command) so the refusal can name
 * the other process. The record is only information: the file lock decides. A record left by a
 * process that died is simply replaced, with an info line saying whose it was.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { Logger } from '../log/types';

/** Who holds (or held) a store. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When that process started, ISO 8601. */
  startedAt: string;
  /** Its command line, e.g. `node bridges/irc/dist/main.js run --config config.yaml`. */
  command: string;
}

export interface StoreLock {
  readonly lockPath: string;
  readonly ownerPath: string;
  /** Releases the lock (idempotent). The lock also ends when the process does, however it ends. */
  release(): void;
}

export interface AcquireStoreLockOptions {
  /** Tells who took over a record left by a process that is gone (info) or may not be (warn). */
  log?: Pick<Logger, 'info' | 'warn'>;
  /** This process as the record will describe it; tests pass their own. */
  owner?: LockOwner;
  /** Default: signal 0, which fails with ESRCH only for a process that does not exist. */
  isAlive?: (pid: number) => boolean;
}

const MAX_COMMAND_LENGTH = 300;

/** Takes the store's lock, or throws `STORE_LOCKED` naming the process that holds it. */
export function acquireStoreLock(databasePath: string, options: AcquireStoreLockOptions = {}): StoreLock {
  const lockPath = `${databasePath}.lock`;
  const ownerPath = `${lockPath}.json`;
  const me = options.owner ?? currentProcess();
  // timeout 0: a held lock must be refused at once, not waited for.
  const db = new Database(lockPath, { timeout: 0 });
  try {
    // In exclusive locking mode the connection never gives back the lock its first write took.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS store_lock (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO store_lock (id, pid) VALUES (1, ?)').run(me.pid);
  } catch (err) {
    db.close();
    if (isBusy(err)) throw lockedError(databasePath, readOwner(ownerPath), ownerPath);
    throw new BridgeError('STORE_OPEN_FAILED', `Cannot lock the database at ${databasePath} (${lockPath}): ${errorMessage(err)}. Check that its directory is writable.`, {
      cause: err, details: { path: databasePath },
    });
  }

  const previous = readOwner(ownerPath);
  if (previous && !sameProcess(previous, me)) reportTakeover(previous, me, options, databasePath);
  writeOwner(ownerPath, me);

  let released = false;
  return {
    lockPath,
    ownerPath,
    release() {
      if (released) return;
      released = true;
      // The record goes first, while the lock still keeps the next holder from writing its own.
      const recorded = readOwner(ownerPath);
      if (recorded && sameProcess(recorded, me)) {
        try {
          unlinkSync(ownerPath);
        } catch {
          // Already gone: nothing to tidy.
        }
      }
      db.close();
    },
  };
}

/**
 * When this process started, computed once: `Date.now() - uptime()` drifts by a millisecond
 * between calls, and the start time is part of a lock owner's identity (a reused PID).
 */
let processStartedAt: string | undefined;

/** The running process as a lock record. */
export function currentProcess(): LockOwner {
  processStartedAt ??= new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString();
  const command = process.argv.join(' ');
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: processStartedAt,
    command: command.length > MAX_COMMAND_LENGTH ? `${command.slice(0, MAX_COMMAND_LENGTH - 3)}...` : command,
  };
}

/** "pid 1234 on host bridge-1, started 2026-01-01T10:00:00.000Z, command: node …" */
export function describeOwner(owner: LockOwner): string {
  return `pid ${owner.pid} on host ${owner.host}, started ${owner.startedAt}, command: ${owner.command}`;
}

function lockedError(databasePath: string, owner: LockOwner | undefined, ownerPath: string): BridgeError {
  const who = owner ? `another bridge process (${describeOwner(owner)})` : `another bridge process (it has not recorded itself in ${ownerPath} yet)`;
  return new BridgeError(
    'STORE_LOCKED',
    `The database ${databasePath} is in use by ${who}. Two bridges on one database would both connect and bridge every message twice: `
      + 'stop the other process first, or give this bridge its own database.path.',
    { details: { path: databasePath, ...(owner ? { owner } : {}) } },
  );
}

function reportTakeover(previous: LockOwner, me: LockOwner, options: AcquireStoreLockOptions, databasePath: string): void {
  const log = options.log;
  if (!log) return;
  const isAlive = options.isAlive ?? processExists;
  const fields = { path: databasePath, previousOwner: previous };
  if (previous.host !== me.host) {
    log.warn(`Took over the store lock recorded by ${describeOwner(previous)}: the lock was free, but that host's processes cannot be checked from here; make sure no bridge runs there on this database`, fields);
  } else if (!isAlive(previous.pid)) {
    log.info(`Took over the stale store lock of pid ${previous.pid} (started ${previous.startedAt}), which is no longer running`, fields);
  } else {
    // The OS released the lock, so that process is not a bridge on this store: its PID was reused.
    log.info(`Took over the store lock recorded by pid ${previous.pid}: the lock was free, so that PID now belongs to another process`, fields);
  }
}

function sameProcess(a: LockOwner, b: LockOwner): boolean {
  return a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return { pid: value.pid, host: value.host, startedAt: String(value.startedAt ?? 'unknown'), command: String(value.command ?? 'unknown') };
  } catch {
    return undefined;
  }
}

/** Replaced atomically: a reader sees the old record or the new one, never half of one. */
function writeOwner(path: string, owner: LockOwner): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(owner)}\n`);
  renameSync(temp, path);
}
