/**
 * The store a running bridge uses, whichever database it is on: SQLite (`database.path`, the
 * default) or PostgreSQL (`database.url`). The core sees one shape: the connector's repositories,
 * the journal (synchronous on SQLite, so the transaction burst path has no awaits; Promises on
 * PostgreSQL), and the few queries of its own (bridged?, health, pruning).
 */
import type { BridgeConfig } from '../config/types';
import type { EventId } from '../ids';
import type { IngestJournal, MaybePromise } from '../ingest/types';
import type { Logger } from '../log/types';
import type { MigrationScope } from './migrate';
import type { PreMigrationBackupOptions } from './backup';
import { openStoreWithBackup, type OpenedStore } from './open';
import type { OpenedPostgresStore } from './postgres/open';
import type { BridgeStore } from './types';

/** The name of the store's process lock: one bridge (or migrate-store) per database, whatever its registration. */
export const STORE_LOCK_NAME = 'bridgekit-store';

export interface BridgeStoreHandle {
  readonly dialect: 'sqlite' | 'postgres';
  /** What the connector gets as `ctx.store`. */
  readonly store: BridgeStore;
  readonly journal: IngestJournal;
  /** Did the bridge carry this event to the network (any message mapping)? */
  wasBridged(eventId: EventId): MaybePromise<boolean>;
  /** One round trip to the database: resolves when it answers (readiness). */
  check(): Promise<void>;
  /** Forgets transaction IDs and finished events, and old message mappings; how many went. */
  prune(dedupeMs: number, messagesMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface OpenBridgeStoreOptions {
  extraMigrations: MigrationScope[];
  clock?: () => number;
  log: Logger;
  /** SQLite only: the online backup taken before a schema migration runs. */
  backup: PreMigrationBackupOptions;
  /** PostgreSQL only: the connection holding the process lock broke, and it is being taken again. */
  onLockLost?: (err: Error) => void;
  /** PostgreSQL only: taken again, nobody having held it meanwhile. */
  onLockRegained?: () => void;
  /** PostgreSQL only: not taken again (another process has or had it, or the database stayed away). */
  onLockGone?: (err: Error) => void;
}

export async function openBridgeStore(database: BridgeConfig['database'], opts: OpenBridgeStoreOptions): Promise<BridgeStoreHandle> {
  if (database.postgres) {
    const { url, poolSize, statementTimeoutMs } = database.postgres;
    // Loaded only here: a bridge on SQLite never loads pg (start-up time and memory).
    const { openPostgresStore } = await import('./postgres/open');
    const pg = await openPostgresStore(url, {
      extraMigrations: opts.extraMigrations, clock: opts.clock, poolSize, statementTimeoutMs,
      lock: { name: STORE_LOCK_NAME, onLost: opts.onLockLost, onRegained: opts.onLockRegained, onGone: opts.onLockGone }, log: opts.log,
    });
    return postgresHandle(pg);
  }
  return sqliteHandle(await openStoreWithBackup(database.path, {
    clock: opts.clock, extraMigrations: opts.extraMigrations, lock: { log: opts.log }, backup: opts.backup,
  }));
}

function sqliteHandle(store: OpenedStore): BridgeStoreHandle {
  const bridged = store.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM message_links WHERE event_id = ? LIMIT 1');
  return {
    dialect: 'sqlite',
    store,
    journal: store.journal,
    wasBridged: (eventId) => bridged.get(eventId) !== undefined,
    check: async () => { store.db.prepare('SELECT 1').get(); },
    prune: async (dedupeMs, messagesMs) => store.journal.prune(dedupeMs) + store.sync.messages.prune(messagesMs),
    close: async () => store.close(),
  };
}

function postgresHandle(store: OpenedPostgresStore): BridgeStoreHandle {
  return {
    dialect: 'postgres',
    store,
    journal: store.journal,
    wasBridged: async (eventId) => (await store.pool.query('SELECT 1 FROM message_links WHERE event_id = $1 LIMIT 1', [eventId])).rowCount! > 0,
    check: async () => { await store.pool.query('SELECT 1'); },
    prune: async (dedupeMs, messagesMs) => (await store.journal.prune(dedupeMs)) + (await store.messages.prune(messagesMs)),
    close: () => store.close(),
  };
}
