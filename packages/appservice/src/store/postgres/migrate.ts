import type { Pool } from 'pg';
import { BridgeError, errorMessage } from '../../errors/bridge-error';
import { checkDefinitions, type AppliedMigration, type MigrationScope } from '../migrate';
import { checkOut } from './sql';
import type { Migration } from '../types';

/**
 * `runMigrations` for PostgreSQL: the same schema_migrations table and the same refusals (a
 * newer database, gaps), with each migration's `postgres` SQL in one transaction together with
 * its record. Every pending migration is checked for PostgreSQL SQL before the first one runs,
 * so a connector written for SQLite only is refused with the database untouched.
 */
export async function runPostgresMigrations(pool: Pool, scopes: MigrationScope[], now: () => number = Date.now): Promise<AppliedMigration[]> {
  await pool.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (scope, version)
  )`);
  const plan: Array<{ scope: string; todo: Migration[] }> = [];
  const seen = new Set<string>();
  for (const { scope, migrations } of scopes) {
    checkDefinitions(scope, migrations, seen);
    const { rows } = await pool.query<{ version: number }>('SELECT version FROM schema_migrations WHERE scope = $1 ORDER BY version', [scope]);
    const applied = rows.map((r) => r.version);
    const dbVersion = applied.length > 0 ? applied[applied.length - 1] : 0;
    if (dbVersion > migrations.length) {
      throw new BridgeError(
        'STORE_SCHEMA_TOO_NEW',
        `The database is at schema version ${dbVersion} for "${scope}", but this version of the bridge only knows up to ${migrations.length}. ` +
          'It was written by a newer release: run that release (or newer), or restore a backup taken before the upgrade.',
        { details: { scope, dbVersion, codeVersion: migrations.length } },
      );
    }
    if (applied.some((v, i) => v !== i + 1)) {
      throw new BridgeError('STORE_MIGRATION_FAILED', `The schema_migrations table has gaps for "${scope}" (versions ${applied.join(', ')}): the database was changed by hand. Restore a backup.`);
    }
    const todo = migrations.slice(dbVersion);
    const sqliteOnly = todo.find((m) => m.postgres === undefined);
    if (sqliteOnly) {
      throw new BridgeError(
        'STORE_MIGRATION_FAILED',
        `Migration ${scope} #${sqliteOnly.version} (${sqliteOnly.description}) has no PostgreSQL version, so "${scope}" cannot run on PostgreSQL yet. ` +
          'Nothing was changed; use database.path (SQLite) for this bridge.',
        { details: { scope, version: sqliteOnly.version } },
      );
    }
    plan.push({ scope, todo });
  }

  const done: AppliedMigration[] = [];
  for (const { scope, todo } of plan) {
    for (const m of todo) {
      const client = await checkOut(pool);
      try {
        await client.query('BEGIN');
        if (m.postgres) await client.query(m.postgres);
        await client.query('INSERT INTO schema_migrations (scope, version, description, applied_at) VALUES ($1, $2, $3, $4)', [scope, m.version, m.description, now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new BridgeError(
          'STORE_MIGRATION_FAILED',
          `Migration ${scope} #${m.version} (${m.description}) failed: ${errorMessage(err)}. ` +
            `The database stays at version ${m.version - 1} for "${scope}"; fix the cause and restart.`,
          { cause: err, details: { scope, version: m.version } },
        );
      } finally {
        client.release();
      }
      done.push({ scope, version: m.version, description: m.description });
    }
  }
  return done;
}
