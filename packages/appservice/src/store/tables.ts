/**
 * `BridgeStore.tables`: SQL on the tables a connector created through its own migrations, the
 * same calls on SQLite and PostgreSQL. Statements use `?` placeholders on both (turned into
 * `$1, $2, ...` for PostgreSQL) and must be valid in both dialects: plain SELECT/INSERT/UPDATE/
 * DELETE, `ON CONFLICT ... DO UPDATE` upserts. SQLite stays synchronous inside (statements are
 * prepared once and cached); only the answer is a Promise.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'pg';

/** A parameter: text, a number, bytes or NULL (the types both databases store alike). */
export type SqlValue = string | number | Buffer | null;

/** SQL on a connector's own tables, portable between SQLite and PostgreSQL. */
export interface StoreTables {
  readonly dialect: 'sqlite' | 'postgres';
  /** Every row the query returns. */
  all<R extends object>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
  /** The first row, or undefined. */
  get<R extends object>(sql: string, params?: readonly SqlValue[]): Promise<R | undefined>;
  /** A statement that changes rows; resolves with how many it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Whether `err` (from `run`) is a UNIQUE or PRIMARY KEY violation: another row holds the value. */
  isUniqueViolation(err: unknown): boolean;
}

/** The SQLite side: one prepared statement per distinct SQL text, kept for the store's life. */
export class SqliteTables implements StoreTables {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  async all<R extends object>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return this.statement(sql).all(...params) as R[];
  }

  async get<R extends object>(sql: string, params: readonly SqlValue[] = []): Promise<R | undefined> {
    return this.statement(sql).get(...params) as R | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.statement(sql).run(...params).changes;
  }

  isUniqueViolation(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The PostgreSQL side, on the store's pool. */
export class PostgresTables implements StoreTables {
  readonly dialect = 'postgres' as const;
  private readonly texts = new Map<string, string>();

  constructor(private readonly pool: Pool) {}

  async all<R extends object>(sql: string, params: readonly SqlValue[] = []): Promise<R[]> {
    return (await this.pool.query<R>(this.text(sql), [...params])).rows;
  }

  async get<R extends object>(sql: string, params: readonly SqlValue[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.pool.query(this.text(sql), [...params])).rowCount ?? 0;
  }

  isUniqueViolation(err: unknown): boolean {
    return (err as { code?: unknown } | null)?.code === '23505';
  }

  private text(sql: string): string {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = numberedPlaceholders(sql);
      this.texts.set(sql, text);
    }
    return text;
  }
}

/** `?` → `$1, $2, ...`, leaving question marks inside quoted strings and identifiers alone. */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | undefined;
  let out = '';
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else {
      out += ch === '?' ? `$${++n}` : ch;
    }
  }
  return out;
}
