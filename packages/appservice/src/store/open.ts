import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { TransactionJournal } from '../ingest/types';
import { CORE_MIGRATIONS } from './core-migrations';
import { SqliteTransactionJournal } from './journal';
import { SqliteKeyValue } from './kv';
import { SqliteMessageMappings } from './messages';
import { runMigrations, type AppliedMigration, type MigrationScope } from './migrate';
import { acquireStoreLock, type AcquireStoreLockOptions, type StoreLock } from './process-lock';
import { SqliteRoomMappings } from './rooms';
import type { BridgeStore } from './types';
import { AsyncKeyValue, AsyncMessageMappings, AsyncRoomMappings, AsyncUserMappings } from './async';
import { AsyncGhosts, SqliteGhosts } from '../ghosts/sqlite-ghosts';
import { AsyncPortals, SqlitePortals } from '../portals/sqlite-portals';
import { SqliteUserMappings } from './users';
import { SqliteTables } from './tables';

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
  close(): void;
}

/**
 * Opens (creating if needed) the bridge's SQLite database and migrates it. Pass ":memory:" for a
 * throwaway store. The journal and `sync` are synchronous; the repositories a connector sees answer with Promises.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): OpenedStore {
  const now = opts.clock ?? Date.now;
  const scopes = opts.extraMigrations ?? [];
  if (scopes.some((s) => s.scope === 'core')) throw new TypeError('The migration scope "core" belongs to the core; give the connector its own scope');

  // Before the database is even opened: a second bridge must not migrate or touch it.
  const locked = path !== ':memory:' && opts.lock !== false;
  if (locked) mkdirForDatabase(path);
  const lock: StoreLock | undefined = locked ? acquireStoreLock(path, opts.lock || {}) : undefined;
  let db: Database.Database;
  try {
    db = openDatabase(path, opts.busyTimeoutMs ?? 5000);
  } catch (err) {
    lock?.release();
    throw err;
  }
  try {
    const migrationsApplied = runMigrations(db, [{ scope: 'core', migrations: CORE_MIGRATIONS }, ...scopes], now);
    const sync: SyncRepositories = {
      rooms: new SqliteRoomMappings(db, now),
      users: new SqliteUserMappings(db, now),
      messages: new SqliteMessageMappings(db, now),
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
      journal: new SqliteTransactionJournal(db, now),
      migrationsApplied,
      close: () => {
        try {
          db.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
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
