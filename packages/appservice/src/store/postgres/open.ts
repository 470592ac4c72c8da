import { Pool, types as pgTypes, type ClientConfig } from 'pg';
import { BridgeError, errorMessage } from '../../errors/bridge-error';
import type { Logger } from '../../log/types';
import { CORE_MIGRATIONS } from '../core-migrations';
import type { AppliedMigration, MigrationScope } from '../migrate';
import type { BridgeStore } from '../types';
import { PostgresDeferredWrites } from './deferred';
import { PostgresGhosts, PostgresPortals } from './identity';
import { PostgresKeyValue, PostgresMessageMappings, PostgresRoomMappings, PostgresUserMappings } from './links';
import { PostgresTransactionJournal } from './journal';
import { runPostgresMigrations } from './migrate';
import { PostgresTables } from '../tables';
import { acquirePostgresLock, type AcquirePostgresLockOptions, type PostgresStoreLock } from './process-lock';
import { redactDatabaseUrl } from './url';

export { redactDatabaseUrl };

/** How a PostgreSQL store is opened: the connector's migrations, the pool, timeouts, the process lock. */
export interface OpenPostgresStoreOptions {
  extraMigrations?: MigrationScope[];
  clock?: () => number;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** A statement running longer is cancelled by the server (default 30 s; 0: no limit). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, new or from the pool (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * One process per store (an advisory lock named by `lock.name`); `false` for tools. A lock
   * whose connection broke is taken again if nobody held it meanwhile (`onLost`, then
   * `onRegained`), else `onGone`: the store is not this process's any more (default: logged).
   */
  lock?: false | ({ name: string } & Pick<AcquirePostgresLockOptions, 'onLost' | 'onRegained' | 'onGone' | 'regainWithinMs'>);
  log?: Pick<Logger, 'warn' | 'error'>;
  /**
   * Writes a crash may lose harmlessly (done-marks, echo-only transaction IDs, message links)
   * share one commit: the longest one waits (default 10 ms) and how many make a commit at once (default 256).
   */
  groupWrites?: { maxDelayMs?: number; maxQueued?: number };
}

/** `BridgeStore` on PostgreSQL, plus what only the core uses. */
export interface OpenedPostgresStore extends Omit<BridgeStore, 'db'> {
  readonly dialect: 'postgres';
  /** The pool itself, for the core's own queries and for tools (migrate-store). */
  readonly pool: Pool;
  /** The transaction journal, answering with Promises (the SQLite one is synchronous). */
  readonly journal: PostgresTransactionJournal;
  migrationsApplied: AppliedMigration[];
  close(): Promise<void>;
}

// BIGINT columns hold milliseconds since the epoch, far below 2^53: numbers, as SQLite gives them.
const INT8_OID = 20;
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
};

export function postgresConnection(url: string, opts: Pick<OpenPostgresStoreOptions, 'statementTimeoutMs' | 'connectTimeoutMs'> = {}): ClientConfig {
  return {
    connectionString: url,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    application_name: 'bridgekit',
    types: typeParsers,
  };
}

/**
 * Opens a PostgreSQL store: takes the process lock first (before any schema change), then runs
 * the core's and the connector's migrations. A connection the server drops is replaced by the
 * pool; queries in flight on it fail (the caller's retry decides), the bridge itself goes on.
 */
export async function openPostgresStore(url: string, opts: OpenPostgresStoreOptions = {}): Promise<OpenedPostgresStore> {
  const now = opts.clock ?? Date.now;
  const scopes = opts.extraMigrations ?? [];
  if (scopes.some((s) => s.scope === 'core')) throw new TypeError('The migration scope "core" belongs to the core; give the connector its own scope');
  const label = redactDatabaseUrl(url);
  const connection = postgresConnection(url, opts);

  const lock: PostgresStoreLock | undefined = opts.lock
    ? await acquirePostgresLock(connection, {
      name: opts.lock.name, label,
      onLost: opts.lock.onLost
        ?? ((err) => opts.log?.warn('Lost the connection holding the store lock; taking it again', { error: errorMessage(err) })),
      onRegained: opts.lock.onRegained,
      onGone: opts.lock.onGone
        ?? ((err) => opts.log?.error('Could not take the store lock again; another bridge process could now take this store', { error: errorMessage(err) })),
      regainWithinMs: opts.lock.regainWithinMs,
    })
    : undefined;
  const pool = new Pool({ ...connection, max: opts.poolSize ?? 10 });
  // An idle connection the server closed must not crash the process: the pool drops it.
  pool.on('error', (err) => opts.log?.warn('A PostgreSQL connection failed; the pool will open another', { error: errorMessage(err) }));
  try {
    let migrationsApplied: AppliedMigration[];
    try {
      migrationsApplied = await runPostgresMigrations(pool, [{ scope: 'core', migrations: CORE_MIGRATIONS }, ...scopes], now);
    } catch (err) {
      if (err instanceof BridgeError || err instanceof TypeError) throw err;
      throw new BridgeError('STORE_OPEN_FAILED', `Cannot open the database ${label}: ${errorMessage(err)}. Check database.url in the config and that the server is running.`, { cause: err });
    }
    let closed = false;
    // Journal items marked done, echo-only transaction IDs and message links share commits (deferred.ts).
    const deferred = new PostgresDeferredWrites(pool, () => !closed, opts.groupWrites);
    return {
      dialect: 'postgres',
      pool,
      rooms: new PostgresRoomMappings(pool, now),
      users: new PostgresUserMappings(pool, now),
      messages: new PostgresMessageMappings(pool, now, deferred),
      kv: new PostgresKeyValue(pool, now),
      ghosts: new PostgresGhosts(pool, now),
      portals: new PostgresPortals(pool, now),
      tables: new PostgresTables(pool),
      journal: new PostgresTransactionJournal(pool, now, deferred),
      migrationsApplied,
      close: async () => {
        // Idempotent: pg's pool refuses a second end().
        if (closed) return;
        closed = true;
        try {
          // What is queued lands first; a write that fails now is left as a crash would leave it.
          await Promise.resolve(deferred.flush()).catch(() => undefined);
          await pool.end();
        } finally {
          await lock?.release();
        }
      },
    };
  } catch (err) {
    await pool.end().catch(() => undefined);
    await lock?.release();
    throw err;
  }
}
