/**
 * The one-shot move of a store from SQLite to PostgreSQL. Both are at the same schema (the
 * caller opened each with the same migrations), so every SQLite table has its twin; the copy is
 * one PostgreSQL transaction that commits only when every table's row count matches, so a
 * failed or partial copy leaves the target as empty as it was.
 */
import type { Database } from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { BridgeError } from '../../errors/bridge-error';
import { inTransaction } from './sql';

/** Tables that describe the database itself, not the bridge's data: never copied nor compared. */
const BOOKKEEPING = new Set(['schema_migrations', 'store_lock']);
/** Rows per INSERT: well below PostgreSQL's 65535 parameters for the widest table. */
const BATCH_ROWS = 500;

export interface TableCount { table: string; source: number; target: number }

/** Refuses a target holding any row of any bridge table: the copy never merges. */
export async function assertEmptyTarget(pool: Pool, tables: string[], label: string): Promise<void> {
  for (const table of tables) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`);
    if (rows[0].n > 0) {
      throw new BridgeError('STORE_NOT_EMPTY',
        `The target database ${label} already holds data (${rows[0].n} rows in ${table}); migrate-store copies only into an empty store. Give it a new, empty database.`,
        { details: { table, rows: rows[0].n } });
    }
  }
}

/** The SQLite store's data tables, parents before children (foreign keys). */
export function dataTables(db: Database): string[] {
  const names = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all().map((r) => r.name).filter((n) => !BOOKKEEPING.has(n));
  const parents = new Map(names.map((n) => [n, db.prepare<[], { table: string }>(`SELECT "table" FROM pragma_foreign_key_list('${n.replace(/'/g, "''")}')`)
    .all().map((r) => r.table).filter((p) => p !== n)]));
  const ordered: string[] = [];
  const visit = (n: string, path: Set<string>) => {
    if (ordered.includes(n) || path.has(n)) return;
    path.add(n);
    for (const p of parents.get(n) ?? []) if (names.includes(p)) visit(p, path);
    ordered.push(n);
  };
  for (const n of names) visit(n, new Set());
  return ordered;
}

/** Copies every data table and compares counts; throws (rolling everything back) on a mismatch. */
export async function copyTables(db: Database, pool: Pool, tables: string[], progress?: (table: string, rows: number) => void): Promise<TableCount[]> {
  return inTransaction(pool, async (client) => {
    const counts: TableCount[] = [];
    for (const table of tables) {
      const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table.replace(/'/g, "''")}')`).all().map((c) => c.name);
      const hasRowid = columns.length > 0 && !isWithoutRowid(db, table);
      // rowid order: PostgreSQL's serial columns (message_links.seq) then follow insertion order.
      const rows = db.prepare(`SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(table)}${hasRowid ? ' ORDER BY rowid' : ''}`).raw().iterate() as IterableIterator<unknown[]>;
      let batch: unknown[][] = [];
      let copied = 0;
      for (const row of rows) {
        batch.push(row);
        if (batch.length === BATCH_ROWS) { await insert(client, table, columns, batch); copied += batch.length; batch = []; }
      }
      if (batch.length > 0) { await insert(client, table, columns, batch); copied += batch.length; }
      await resetSequences(client, table);
      const source = (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).get() as { n: number }).n;
      const { rows: t } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(table)}`);
      counts.push({ table, source, target: t[0].n });
      progress?.(table, copied);
    }
    const wrong = counts.filter((c) => c.source !== c.target);
    if (wrong.length > 0) {
      throw new BridgeError('STORE_MIGRATION_FAILED',
        `The copy does not match the source (${wrong.map((c) => `${c.table}: ${c.source} rows in SQLite, ${c.target} copied`).join('; ')}); nothing was kept. `
          + 'Make sure no bridge is writing to the SQLite store, then run migrate-store again.');
    }
    return counts;
  });
}

async function insert(client: PoolClient, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const values = rows.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
  await client.query(`INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ${values}`, rows.flat());
}

/** A serial column given explicit values keeps its sequence at 1: move it past the copied rows. */
async function resetSequences(client: PoolClient, table: string): Promise<void> {
  const { rows } = await client.query<{ column_name: string; seq: string | null }>(
    `SELECT column_name, pg_get_serial_sequence($1, column_name) AS seq FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1`, [table]);
  for (const { column_name: column, seq } of rows) {
    if (!seq) continue;
    await client.query(`SELECT setval($1, GREATEST((SELECT max(${quoteIdent(column)}) FROM ${quoteIdent(table)}), 0) + 1, false)`, [seq]);
  }
}

function isWithoutRowid(db: Database, table: string): boolean {
  const sql = (db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(table))?.sql ?? '';
  return /WITHOUT\s+ROWID/i.test(sql);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
