import type { Database } from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { Migration } from './types';

/** The migrations of one owner of tables: the core ("core") or a connector (its `name`). */
export interface MigrationScope {
  scope: string;
  migrations: Migration[];
}

/** One migration a store open applied. */
export interface AppliedMigration {
  scope: string;
  version: number;
  description: string;
}

/**
 * Brings every scope's schema up to date. All scopes are checked before anything is applied, so
 * a database written by a newer bridge is refused untouched. Each migration runs in its own
 * transaction together with its `schema_migrations` row: a failure leaves the last good version.
 */
export function runMigrations(db: Database, scopes: MigrationScope[], now: () => number = Date.now): AppliedMigration[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (scope, version)
  )`);
  const appliedVersions = db.prepare<[string], { version: number }>('SELECT version FROM schema_migrations WHERE scope = ? ORDER BY version');
  const record = db.prepare('INSERT INTO schema_migrations (scope, version, description, applied_at) VALUES (?, ?, ?, ?)');

  const plan: Array<{ scope: string; todo: Migration[] }> = [];
  const seenScopes = new Set<string>();
  for (const { scope, migrations } of scopes) {
    checkDefinitions(scope, migrations, seenScopes);
    const applied = appliedVersions.all(scope).map((r) => r.version);
    const dbVersion = applied.length > 0 ? applied[applied.length - 1] : 0;
    const codeVersion = migrations.length;
    if (dbVersion > codeVersion) {
      throw new BridgeError(
        'STORE_SCHEMA_TOO_NEW',
        `The database is at schema version ${dbVersion} for "${scope}", but this version of the bridge only knows up to ${codeVersion}. ` +
          'It was written by a newer release: run that release (or newer), or restore a backup taken before the upgrade.',
        { details: { scope, dbVersion, codeVersion } },
      );
    }
    if (applied.some((v, i) => v !== i + 1)) {
      throw new BridgeError(
        'STORE_MIGRATION_FAILED',
        `The schema_migrations table has gaps for "${scope}" (versions ${applied.join(', ')}): the database was changed by hand. Restore a backup.`,
      );
    }
    plan.push({ scope, todo: migrations.slice(dbVersion) });
  }

  const done: AppliedMigration[] = [];
  for (const { scope, todo } of plan) {
    for (const m of todo) {
      try {
        db.transaction(() => {
          m.up(db);
          record.run(scope, m.version, m.description, now());
        })();
      } catch (err) {
        throw new BridgeError(
          'STORE_MIGRATION_FAILED',
          `Migration ${scope} #${m.version} (${m.description}) failed: ${errorMessage(err)}. ` +
            `The database stays at version ${m.version - 1} for "${scope}"; fix the cause (disk space, permissions) and restart.`,
          { cause: err, details: { scope, version: m.version } },
        );
      }
      done.push({ scope, version: m.version, description: m.description });
    }
  }
  return done;
}

// A mistake in a migration list is a programming error of the bridge, caught at the first start.
export function checkDefinitions(scope: string, migrations: Migration[], seen: Set<string>): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(scope)) {
    throw new TypeError(`Migration scope ${JSON.stringify(scope)} must be lowercase letters, digits, _ or - (e.g. the connector's name)`);
  }
  if (seen.has(scope)) throw new TypeError(`Migration scope "${scope}" is given twice; each owner of tables needs its own scope`);
  seen.add(scope);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new TypeError(`Migrations of "${scope}" must be numbered 1, 2, 3... in order; position ${i + 1} has version ${m.version}`);
    }
    if (!m.description.trim()) throw new TypeError(`Migration ${scope} #${m.version} needs a description`);
  });
}
