/**
 * `backup [--to <file>]`: a consistent copy of the bridge's SQLite store, safe while the bridge
 * runs (SQLite's online backup API reads through the WAL; copying the file with `cp` is not safe
 * then). The copy is one self-contained file, checked before it gets its final name.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError, errorMessage } from '../errors/bridge-error';
import { backupDatabase } from '../store/backup';
import { redactDatabaseUrl } from '../store/postgres/url';
import { load, type CommandContext } from './commands';

export async function backup(ctx: CommandContext, to: string | undefined, now: () => number = Date.now): Promise<number> {
  const config = load(ctx);
  if (config.database.postgres) {
    ctx.out(`The store is PostgreSQL (${redactDatabaseUrl(config.database.postgres.url)}): back it up with pg_dump; this command copies SQLite files.`);
    return 2;
  }
  const source = config.database.path;
  if (source === ':memory:' || !existsSync(source)) {
    ctx.out(`There is no database at ${source} to back up (database.path in ${config.source}).`);
    return 2;
  }
  const target = to !== undefined ? resolve(to) : `${source}.backup-${new Date(now()).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.bak`;
  let db: Database.Database;
  try {
    // No process lock: the bridge may be running on it. Only read; waits out its writes.
    db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  } catch (err) {
    throw new BridgeError('STORE_BACKUP_FAILED', `Cannot open ${source} to back it up: ${errorMessage(err)}.`, { cause: err });
  }
  try {
    await backupDatabase(db, target);
  } finally {
    db.close();
  }
  ctx.out(`Backed up ${source} to ${target} (${statSync(target).size} bytes, checked).`);
  ctx.out(`To restore it: stop the bridge, delete ${source}-wal and ${source}-shm if present, copy the backup to ${source}, start the bridge.`);
  return 0;
}
