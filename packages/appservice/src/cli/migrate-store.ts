/**
 * `migrate-store --from <sqlite file> --to <postgresql URL>`: moves a bridge's store to
 * PostgreSQL once. The SQLite store is opened with its process lock (so no bridge is running on
 * it) and brought to the current schema; the target gets the same schema, must be empty, and
 * receives the rows in one transaction that commits only if every table's count matches.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BridgeError } from '../errors/bridge-error';
import { STORE_LOCK_NAME } from '../store/bridge-store';
import { openStoreWithBackup } from '../store/open';
import { assertEmptyTarget, copyTables, dataTables } from '../store/postgres/copy';
import { openPostgresStore, redactDatabaseUrl } from '../store/postgres/open';
import { load, type CommandContext } from './commands';

export async function migrateStore(ctx: CommandContext, from: string | undefined, to: string | undefined): Promise<number> {
  if (!from || !to) {
    ctx.out(`migrate-store needs both --from <SQLite file> and --to <postgresql://…>, e.g. ${ctx.invocation} migrate-store --from bridgekit.db --to postgresql://bridge@localhost/bridge`);
    return 2;
  }
  if (!/^postgres(ql)?:\/\//.test(to)) {
    ctx.out(`--to must be a PostgreSQL URL (postgresql://user:password@host/database), got ${redactDatabaseUrl(to)}`);
    return 2;
  }
  const source = resolve(from);
  if (!existsSync(source)) {
    ctx.out(`${source} does not exist; --from names the bridge's SQLite file (database.path in its config).`);
    return 2;
  }
  // The connector's own tables come along: its migrations say what they are on both databases.
  const connector = ctx.app.createConnector(load(ctx));
  const scopes = connector.migrations?.length ? [{ scope: connector.name, migrations: connector.migrations }] : [];
  const label = redactDatabaseUrl(to);

  // Bringing the source to the current schema migrates it in place: backed up first, like a start.
  const sqlite = await openStoreWithBackup(source, { extraMigrations: scopes, backup: { keep: 3 } });
  try {
    const target = await openPostgresStore(to, { extraMigrations: scopes, lock: { name: STORE_LOCK_NAME }, statementTimeoutMs: 0 });
    try {
      const tables = dataTables(sqlite.db);
      await assertEmptyTarget(target.pool, tables, label);
      ctx.out(`Copying ${tables.length} tables from ${source} to ${label}…`);
      const counts = await copyTables(sqlite.db, target.pool, tables);
      for (const c of counts) ctx.out(`  ${c.table}: ${c.target} rows (source ${c.source})`);
      ctx.out(`Done: every table's row count matches. Set database.url: ${label} in the config (with the password), then start the bridge; keep ${source} as a backup.`);
      return 0;
    } finally {
      await target.close();
    }
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('STORE_MIGRATION_FAILED', `migrate-store failed: ${(err as Error).message}. The target was left as it was; fix the cause and run it again.`, { cause: err });
  } finally {
    sqlite.close();
  }
}
