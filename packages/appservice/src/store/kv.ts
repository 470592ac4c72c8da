import type { Database, Statement } from 'better-sqlite3';
import { fromJson, kvRows, toJson } from './json';

export class SqliteKeyValue {
  private readonly getOne: Statement<[string], { value: string }>;
  private readonly upsert: Statement<[string, string, number]>;
  private readonly remove: Statement<[string]>;
  private readonly withPrefix: Statement<[{ prefix: string }], { key: string }>;

  private readonly upsertMany: (entries: ReadonlyArray<readonly [string, string]>) => void;

  constructor(db: Database, private readonly now: () => number) {
    this.getOne = db.prepare('SELECT value FROM kv WHERE key = ?');
    this.upsert = db.prepare(`INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
    this.remove = db.prepare('DELETE FROM kv WHERE key = ?');
    // substr instead of LIKE: keys may contain % and _, which LIKE would treat as wildcards.
    this.upsertMany = db.transaction((entries: ReadonlyArray<readonly [string, string]>) => {
      const at = this.now();
      for (const [key, json] of entries) this.upsert.run(key, json, at);
    });
    this.withPrefix = db.prepare('SELECT key FROM kv WHERE substr(key, 1, length(@prefix)) = @prefix ORDER BY key');
  }

  get<T>(key: string): T | undefined {
    const row = this.getOne.get(key);
    return row ? fromJson<T>(row.value) : undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) throw new TypeError(`kv.set("${key}", undefined): use kv.delete() to remove a key`);
    this.upsert.run(key, toJson(value, `kv value of "${key}"`), this.now());
  }

  /** One transaction for all of them: one commit instead of one per key. */
  setMany(entries: Iterable<readonly [string, unknown]>): void {
    this.upsertMany(kvRows(entries));
  }

  delete(key: string): boolean {
    return this.remove.run(key).changes > 0;
  }

  keys(prefix = ''): string[] {
    return this.withPrefix.all({ prefix }).map((r) => r.key);
  }
}

