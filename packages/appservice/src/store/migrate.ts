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

/** Where one scope stands: the database's version and the code's. */
export interface ScopeVersions {
  scope: string;
  /** The version the database is at (0: the scope has no tables yet). */
  from: number;
  /** The version this code brings it to. */
  to: number;
}

/** What a store open would migrate, scope by scope, in the order the scopes were given. */
export interface MigrationPlan {
  scopes: Array<ScopeVersions & { todo: Migration[] }>;
  /** True when some migration would run. */
  pending: boolean;
  /** True when the database held no schema at all (a fresh file: nothing to back up). */
  fresh: boolean;
}

/**
 * Reads where every scope stands and what would run, without changing anything but creating the
 * (empty) bookkeeping table. Refuses a database written by newer code (`STORE_SCHEMA_TOO_NEW`,
 * saying to run that release or restore a backup) and one whose bookkeeping has gaps.
 */
export function planMigrations(db: Database, scopes: MigrationScope[]): MigrationPlan {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    scope TEXT NOT NULL,
    version INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at INTEGER NOT NULL,
    PRIMARY KEY (scope, version)
  )`);
  const appliedVersions = db.prepare<[string], { version: number }>('SELECT version FROM schema_migrations WHERE scope = ? ORDER BY version');
  const anyApplied = db.prepare('SELECT 1 FROM schema_migrations LIMIT 1').get() !== undefined;

  const plan: MigrationPlan['scopes'] = [];
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
    plan.push({ scope, from: dbVersion, to: codeVersion, todo: migrations.slice(dbVersion) });
  }
  return { scopes: plan, pending: plan.some((p) => p.todo.length > 0), fresh: !anyApplied };
}

/**
 * Brings every scope's schema up to date. All scopes are checked before anything is applied, so
 * a database written by a newer bridge is refused untouched. Each migration runs in its own
 * transaction together with its `schema_migrations` row: a failure leaves the last good version.
 * `plan` (from `planMigrations`) when the caller read it already, e.g. to back up first.
 */
export function runMigrations(db: Database, scopes: MigrationScope[], now: () => number = Date.now, plan: MigrationPlan = planMigrations(db, scopes)): AppliedMigration[] {
  const record = db.prepare('INSERT INTO schema_migrations (scope, version, description, applied_at) VALUES (?, ?, ?, ?)');
  const done: AppliedMigration[] = [];
  for (const { scope, todo } of plan.scopes) {
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
