/**
 * The account tables in memory, over the store's `tables` (SQLite or PostgreSQL). Loaded once at
 * start, written through: a change is in memory at once (what the next read sees) and in the
 * store when its promise resolves; a write that fails puts the previous row back and rejects.
 * Why a cache: how a puppet logs in is decided synchronously, at the moment it is made, in the
 * order messages arrive (network/puppets.ts), and the rows are few (one per user and network
 * that changed something), so reading them all once costs little.
 */
import type { StoreTables } from '@bridgekit/appservice';

export class RowCache<R> {
  private readonly rows = new Map<string, R>();
  /** Writes reach the store one after another, in the order they were made. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly tables: StoreTables) {}

  /** Replaces what is in memory with the rows of `sql`. */
  async load(sql: string, keyOf: (row: R) => string): Promise<void> {
    const rows = await this.tables.all<R & object>(sql);
    this.rows.clear();
    for (const row of rows) this.rows.set(keyOf(row), row);
  }

  get(key: string): R | undefined {
    return this.rows.get(key);
  }

  values(): IterableIterator<R> {
    return this.rows.values();
  }

  /** `row` undefined deletes. Resolves once stored; on failure the previous row is back. */
  async put(key: string, row: R | undefined, write: (tables: StoreTables) => Promise<unknown>): Promise<void> {
    const previous = this.rows.get(key);
    if (row === undefined) this.rows.delete(key);
    else this.rows.set(key, row);
    const written = this.tail.catch(() => undefined).then(() => write(this.tables));
    this.tail = written;
    try {
      await written;
    } catch (err) {
      // Only if nothing newer replaced it meanwhile.
      if (this.rows.get(key) === row) {
        if (previous === undefined) this.rows.delete(key);
        else this.rows.set(key, previous);
      }
      throw err;
    }
  }
}

/** The key of a (user, second column) row. */
export function rowKey(userId: string, other: string): string {
  return `${userId}\u0000${other}`;
}
