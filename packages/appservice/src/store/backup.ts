/**
 * Online backups of the SQLite store, with SQLite's backup API (better-sqlite3 `db.backup`):
 * a consistent copy of a database that is open and being written, WAL included, which a plain
 * `cp` of the file is not. Taken automatically before a schema migration runs, so an upgrade can
 * be rolled back by putting the copy back and starting the old release; and on demand by the
 * CLI's `backup` command for a running bridge.
 */
import { existsSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import type { Logger } from '../log/types';
import type { MigrationPlan } from './migrate';

/** How the automatic pre-migration backup is taken and kept. */
export interface PreMigrationBackupOptions {
  /** The newest this many pre-migration backups of this database are kept; older ones are deleted. */
  keep: number;
  log?: Logger;
  /** For the timestamp in the name (tests). */
  now?: () => number;
}

/**
 * `<db>.pre-v<from>-to-v<to>-<UTC time>.bak`. With several scopes (the core's and the bridge's
 * own tables) the versions are joined by dots in the order the scopes are opened, core first:
 * `bridge.db.pre-v5.3-to-v6.3-20261207T151700Z.bak` is core 5 → 6 with the bridge's tables at 3.
 */
export function preMigrationBackupPath(dbPath: string, plan: MigrationPlan, at: number): string {
  const from = plan.scopes.map((s) => s.from).join('.');
  const to = plan.scopes.map((s) => s.to).join('.');
  return `${dbPath}.pre-v${from}-to-v${to}-${compactUtc(at)}.bak`;
}

/**
 * Copies the open database to `target` with the online backup API, through a `.partial` file
 * renamed at the end (a crash never leaves a half copy under the final name), once the copy is
 * a single file that passes `PRAGMA quick_check`. Throws `STORE_BACKUP_FAILED` saying what to fix.
 */
export async function backupDatabase(db: Database.Database, target: string): Promise<void> {
  if (existsSync(target)) {
    throw new BridgeError('STORE_BACKUP_FAILED', `Not backing up the database to ${target}: that file exists already. Choose another name, or move the old backup away.`, { details: { target } });
  }
  const partial = `${target}.partial`;
  try {
    await db.backup(partial);
    finishCopy(partial);
    renameSync(partial, target);
  } catch (err) {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) {
      try {
        unlinkSync(leftover);
      } catch {
        // Never written, or gone already.
      }
    }
    throw new BridgeError(
      'STORE_BACKUP_FAILED',
      `Could not back up the database to ${target}: ${errorMessage(err)}. Make ${dirname(target)} writable and give it room for a copy of the database, then try again.`,
      { cause: err, details: { target } },
    );
  }
}

/**
 * Before `plan` migrates the database at `dbPath`: a backup next to it, and old pre-migration
 * backups beyond `keep` deleted. Nothing is done for a fresh database (no data to lose) or when
 * nothing is pending. Throws `STORE_BACKUP_FAILED` (the caller then migrates nothing).
 */
export async function backupBeforeMigrating(db: Database.Database, dbPath: string, plan: MigrationPlan, opts: PreMigrationBackupOptions): Promise<string | undefined> {
  if (!plan.pending || plan.fresh || dbPath === ':memory:') return undefined;
  const target = preMigrationBackupPath(dbPath, plan, (opts.now ?? Date.now)());
  const versions = plan.scopes.filter((s) => s.from !== s.to).map((s) => `${s.scope} ${s.from} → ${s.to}`);
  try {
    await backupDatabase(db, target);
  } catch (err) {
    const message = `The database needs a schema migration (${versions.join(', ')}), but the backup taken first failed, so nothing was migrated: ${errorMessage(err)}`;
    opts.log?.error(message, { database: dbPath, backup: target });
    throw new BridgeError('STORE_BACKUP_FAILED', message, { cause: err, details: { target } });
  }
  opts.log?.info('Backed up the database before migrating its schema; to roll back, stop the bridge, put this file in place of the database and start the previous release', {
    database: dbPath, backup: target, migrations: versions,
  });
  const removed = prunePreMigrationBackups(dbPath, opts.keep);
  if (removed.length > 0) opts.log?.info('Deleted older pre-migration backups', { kept: opts.keep, removed });
  return target;
}

/** Deletes all but the newest `keep` pre-migration backups of the database; returns what it deleted. */
export function prunePreMigrationBackups(dbPath: string, keep: number): string[] {
  const dir = dirname(dbPath);
  const prefix = `${basename(dbPath)}.pre-v`;
  const backups = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.bak'))
    .map((name) => join(dir, name))
    .map((path) => ({ path, mtime: statSync(path).mtimeMs }))
    // Newest first; the name's timestamp breaks ties of files written within one clock tick.
    .sort((a, b) => b.mtime - a.mtime || b.path.localeCompare(a.path));
  const removed = backups.slice(Math.max(0, keep)).map((b) => b.path);
  for (const path of removed) unlinkSync(path);
  return removed;
}

/**
 * The copy carries the live database's WAL mode; switched to a rollback journal it is one
 * self-contained file (no -wal or -shm beside it) that `cp` and `mv` handle safely. Then checked.
 */
function finishCopy(path: string): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const result = copy.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`the copy fails SQLite's quick_check (${String(result)})`);
  } finally {
    copy.close();
  }
}

/** 2026-12-07T15:17:00.123Z → 20261207T151700Z: sortable, and safe in any file system. */
function compactUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
