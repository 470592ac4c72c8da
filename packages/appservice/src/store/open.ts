import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { TransactionJournal } from '../ingest/types';
import { CORE_MIGRATIONS } from './core-migrations';
import { SqliteTransactionJournal } from './journal';
import { SqliteKeyValue } from './kv';
import { DeferredWrites } from './deferred-writes';
import { SqliteMessageMappings } from './messages';
import { planMigrations, runMigrations, type AppliedMigration, type MigrationPlan, type MigrationScope } from './migrate';
import { backupBeforeMigrating, type PreMigrationBackupOptions } from './backup';
import { acquireStoreLock, type AcquireStoreLockOptions, type StoreLock } from './process-lock';
import { SqliteRoomMappings } from './rooms';
import type { BridgeStore } from './types';
import { AsyncKeyValue, AsyncMessageMappings, AsyncRoomMappings, AsyncUserMappings } from './async';
import { AsyncGhosts, SqliteGhosts } from '../ghosts/sqlite-ghosts';
import { AsyncPortals, SqlitePortals } from '../portals/sqlite-portals';
import { SqliteUserMappings } from './users';
import { SqliteTables } from './tables';
import { WalCheckpointer } from './wal-checkpointer';

/** How a store is opened: the connector's migrations, the process lock, the clock. */
export interface OpenStoreOptions {
  /** Connectors' own schemas, each under its own scope (never "core"). */
  extraMigrations?: MigrationScope[];
  /** Milliseconds since the epoch; injected so tests can move time for pruning. */
  clock?: () => number;
  /** How long a write waits for a lock held by another connection before failing. */
  busyTimeoutMs?: number;
  /**
   * One process per store (default): a second open of the same file, from this process or
   * another, fails with `STORE_LOCKED` naming the holder. `false` only for tools that read a
   * store a bridge is running on. `log` hears about a stale record being taken over.
   */
  lock?: false | AcquireStoreLockOptions;
}

/** The SQLite repositories themselves, synchronous: for the core (pruning, health) and tests. */
export interface SyncRepositories {
  rooms: SqliteRoomMappings;
  users: SqliteUserMappings;
  messages: SqliteMessageMappings;
  kv: SqliteKeyValue;
  ghosts: SqliteGhosts;
  portals: SqlitePortals;
}

/** `BridgeStore` (async, what connectors get) plus what only the core uses. */
export interface OpenedStore extends BridgeStore {
  db: Database.Database;
  /** Synchronous on purpose: a transaction is acknowledged only after it is journalled. */
  journal: TransactionJournal;
  sync: SyncRepositories;
  /** The migrations this open applied, in order (empty when the schema was current). */
  migrationsApplied: AppliedMigration[];
  /** Runs the file's WAL checkpoints when the store is quiet (absent for ":memory:"). */
  checkpointer?: WalCheckpointer;
  close(): void;
}

/**
 * Opens (creating if needed) the bridge's SQLite database and migrates it. Pass ":memory:" for a
 * throwaway store. The journal and `sync` are synchronous; the repositories a connector sees answer with Promises.
 * Migrates without a backup: the bridge itself opens with `openStoreWithBackup`.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): OpenedStore {
  const { db, lock, scopes } = lockAndOpen(path, opts);
  return migrateAndWrap(db, lock, scopes, opts.clock ?? Date.now, undefined, path);
}

/**
 * `openStore`, but when migrations are pending on a database that holds data, an online backup
 * is taken first (`<path>.pre-v<from>-to-v<to>-<time>.bak`, the newest `backup.keep` kept) and the
 * path logged. A failed backup refuses the migration (`STORE_BACKUP_FAILED`) and leaves the
 * database untouched.
 */
export async function openStoreWithBackup(path: string, opts: OpenStoreOptions & { backup: PreMigrationBackupOptions }): Promise<OpenedStore> {
  const { db, lock, scopes } = lockAndOpen(path, opts);
  let plan: MigrationPlan;
  try {
    plan = planMigrations(db, scopes);
    await backupBeforeMigrating(db, path, plan, opts.backup);
  } catch (err) {
    db.close();
    lock?.release();
    throw err;
  }
  return migrateAndWrap(db, lock, scopes, opts.clock ?? Date.now, plan, path);
}

/** The lock first (a second bridge must not even open the file), then the database. */
function lockAndOpen(path: string, opts: OpenStoreOptions): { db: Database.Database; lock?: StoreLock; scopes: MigrationScope[] } {
  const extra = opts.extraMigrations ?? [];
  if (extra.some((s) => s.scope === 'core')) throw new TypeError('The migration scope "core" belongs to the core; give the connector its own scope');
  const locked = path !== ':memory:' && opts.lock !== false;
  if (locked) mkdirForDatabase(path);
  const lock: StoreLock | undefined = locked ? acquireStoreLock(path, opts.lock || {}) : undefined;
  try {
    return { db: openDatabase(path, opts.busyTimeoutMs ?? 5000), lock, scopes: [{ scope: 'core', migrations: CORE_MIGRATIONS }, ...extra] };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function migrateAndWrap(db: Database.Database, lock: StoreLock | undefined, scopes: MigrationScope[], now: () => number, plan: MigrationPlan | undefined, path: string): OpenedStore {
  let checkpointer: WalCheckpointer | undefined;
  try {
    const migrationsApplied = runMigrations(db, scopes, now, plan);
    // Checkpoints (the only fsyncs) when the store is quiet, not inside a commit (wal-checkpointer.ts).
    if (path !== ':memory:') checkpointer = new WalCheckpointer(db);
    // Journal items marked done and message links share commits (deferred-writes.ts).
    const deferred = new DeferredWrites(db);
    const sync: SyncRepositories = {
      rooms: new SqliteRoomMappings(db, now),
      users: new SqliteUserMappings(db, now),
      messages: new SqliteMessageMappings(db, now, deferred),
      kv: new SqliteKeyValue(db, now),
      ghosts: new SqliteGhosts(db, now),
      portals: new SqlitePortals(db, now),
    };
    return {
      db,
      tables: new SqliteTables(db),
      sync,
      rooms: new AsyncRoomMappings(sync.rooms),
      users: new AsyncUserMappings(sync.users),
      messages: new AsyncMessageMappings(sync.messages),
      kv: new AsyncKeyValue(sync.kv),
      ghosts: new AsyncGhosts(sync.ghosts),
      portals: new AsyncPortals(sync.portals),
      journal: new SqliteTransactionJournal(db, now, deferred),
      migrationsApplied,
      ...(checkpointer ? { checkpointer } : {}),
      close: () => {
        try {
          checkpointer?.close();
          if (db.open) deferred.flush();
          db.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    checkpointer?.close();
    db.close();
    lock?.release();
    throw err;
  }
}

function mkdirForDatabase(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new BridgeError(
      'STORE_OPEN_FAILED',
      `Cannot create the directory of the database ${path}: ${errorMessage(err)}. Check database.path in the config and that its parent directory is writable.`,
      { cause: err, details: { path } },
    );
  }
}

function openDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // WAL: readers never block the writer. synchronous=NORMAL survives a crash of the bridge
    // process, which is what "200 only after persisting" guards against; an OS crash or power
    // cut can lose the last commits. The trade is one fsync per checkpoint instead of one per
    // handled event.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    return db;
  } catch (err) {
    db?.close();
    throw new BridgeError(
      'STORE_OPEN_FAILED',
      `Cannot open the database at ${path}: ${errorMessage(err)}. Check database.path in the config and that its directory is writable.`,
      { cause: err, details: { path } },
    );
  }
}
