import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError } from '../errors/bridge-error';
import { CORE_MIGRATIONS } from './core-migrations';
import { runMigrations } from './migrate';
import { openStore } from './open';
import type { Migration } from './types';
import { useTempDir } from './testing/fixtures';

const V1: Migration = {
  version: 1,
  description: 'irc servers table',
  up: (db) => db.exec('CREATE TABLE irc_servers (name TEXT PRIMARY KEY, host TEXT NOT NULL)'),
};
const V2: Migration = {
  version: 2,
  description: 'irc servers get a port, default 6697',
  up: (db) => db.exec('ALTER TABLE irc_servers ADD COLUMN port INTEGER NOT NULL DEFAULT 6697'),
};

describe('migrations', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'bridge.db');

  it('upgrades a database created at an older version of a scope, keeping its data', () => {
    let store = openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [V1] }] });
    store.db.prepare('INSERT INTO irc_servers (name, host) VALUES (?, ?)').run('libera', 'irc.libera.chat');
    store.sync.kv.set('kept', true);
    store.close();

    store = openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [V1, V2] }] });
    expect(store.migrationsApplied).toEqual([{ scope: 'irc', version: 2, description: 'irc servers get a port, default 6697' }]);
    expect(store.db.prepare('SELECT name, host, port FROM irc_servers').all()).toEqual([{ name: 'libera', host: 'irc.libera.chat', port: 6697 }]);
    expect(store.sync.kv.get('kept')).toBe(true);
    const recorded = store.db.prepare('SELECT scope, version, description FROM schema_migrations ORDER BY scope, version').all();
    expect(recorded).toEqual([
      { scope: 'core', version: 1, description: expect.stringContaining('transaction journal') },
      { scope: 'core', version: 2, description: expect.stringContaining('reused transaction ID') },
      ...CORE_MIGRATIONS.slice(2).map((m) => ({ scope: 'core', version: m.version, description: m.description })),
      { scope: 'irc', version: 1, description: 'irc servers table' },
      { scope: 'irc', version: 2, description: 'irc servers get a port, default 6697' },
    ]);
    store.close();
  });

  it('refuses to start, untouched, when the database is newer than the code', () => {
    openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [V1, V2] }] }).close();
    const newScope: Migration = { version: 1, description: 'would be applied', up: (db) => db.exec('CREATE TABLE other_t (x)') };
    let caught: unknown;
    try {
      openStore(dbPath(), { extraMigrations: [{ scope: 'other', migrations: [newScope] }, { scope: 'irc', migrations: [V1] }] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BridgeError);
    expect((caught as BridgeError).code).toBe('STORE_SCHEMA_TOO_NEW');
    expect((caught as BridgeError).message).toMatch(/schema version 2 for "irc", but this version of the bridge only knows up to 1/);
    const db = new Database(dbPath());
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'other_t'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('rolls back a failing migration and leaves the last good version', () => {
    const broken: Migration = {
      version: 2,
      description: 'half-done change',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x)');
        throw new Error('disk full');
      },
    };
    openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [V1] }] }).close();
    expect(() => openStore(dbPath(), { extraMigrations: [{ scope: 'irc', migrations: [V1, broken] }] })).toThrow(
      /Migration irc #2 \(half-done change\) failed: disk full\. The database stays at version 1/,
    );
    const db = new Database(dbPath());
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    expect(db.prepare("SELECT max(version) AS v FROM schema_migrations WHERE scope = 'irc'").get()).toEqual({ v: 1 });
    db.close();
  });

  it('rejects badly numbered lists, duplicate scopes and the reserved core scope', () => {
    const db = new Database(':memory:');
    expect(() => runMigrations(db, [{ scope: 'irc', migrations: [V2] }])).toThrow(/numbered 1, 2, 3/);
    expect(() => runMigrations(db, [{ scope: 'irc', migrations: [V1, V1] }])).toThrow(/position 2 has version 1/);
    expect(() => runMigrations(db, [{ scope: 'irc', migrations: [] }, { scope: 'irc', migrations: [] }])).toThrow(/given twice/);
    expect(() => runMigrations(db, [{ scope: 'IRC bridge', migrations: [] }])).toThrow(/lowercase/);
    expect(() => runMigrations(db, [{ scope: 'irc', migrations: [{ ...V1, description: ' ' }] }])).toThrow(/needs a description/);
    expect(() => openStore(':memory:', { extraMigrations: [{ scope: 'core', migrations: [] }] })).toThrow(/belongs to the core/);
    db.close();
  });
});
