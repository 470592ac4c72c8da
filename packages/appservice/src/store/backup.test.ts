// Unit tier with real SQLite files: the online backup taken before a schema migration, how many
// are kept, a failed backup refusing the migration, and rolling back to an older release.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { BridgeError } from '../errors/bridge-error';
import { CORE_MIGRATIONS } from './core-migrations';
import { openStore, openStoreWithBackup } from './open';
import type { Migration } from './types';
import { useTempDir } from './testing/fixtures';

const CORE = CORE_MIGRATIONS.length;
const NOW = Date.UTC(2026, 11, 7, 15, 17, 0);

/** Migrations of a bridge's own tables, as successive releases would ship them. */
const IRC: Migration[] = [
  { version: 1, description: 'servers', up: (db) => db.exec('CREATE TABLE irc_servers (name TEXT PRIMARY KEY, host TEXT NOT NULL)') },
  { version: 2, description: 'servers get a port', up: (db) => db.exec('ALTER TABLE irc_servers ADD COLUMN port INTEGER NOT NULL DEFAULT 6697') },
  { version: 3, description: 'servers get a TLS flag', up: (db) => db.exec('ALTER TABLE irc_servers ADD COLUMN tls INTEGER NOT NULL DEFAULT 1') },
  { version: 4, description: 'notes', up: (db) => db.exec('CREATE TABLE irc_notes (n TEXT)') },
  { version: 5, description: 'more notes', up: (db) => db.exec('CREATE TABLE irc_notes2 (n TEXT)') },
  { version: 6, description: 'even more notes', up: (db) => db.exec('CREATE TABLE irc_notes3 (n TEXT)') },
];
const release = (n: number) => [{ scope: 'irc', migrations: IRC.slice(0, n) }];

function ircVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT max(version) AS v FROM schema_migrations WHERE scope = 'irc'").get() as { v: number }).v;
  } finally {
    db.close();
  }
}

describe('the backup before a migration', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'bridge.db');
  const backups = () => readdirSync(dir()).filter((f) => f.endsWith('.bak')).sort();

  it('copies an older store, writes still in the WAL included, before migrating it; the copy is the old schema with every row', async () => {
    openStore(dbPath(), { extraMigrations: release(1) }).close();
    // Another connection writes without checkpointing: these rows exist only in bridge.db-wal.
    const writer = new Database(dbPath());
    writer.pragma('wal_autocheckpoint = 0');
    const insert = writer.prepare('INSERT INTO irc_servers (name, host) VALUES (?, ?)');
    for (let i = 0; i < 50; i++) insert.run(`net${i}`, `irc${i}.example`);
    expect(existsSync(`${dbPath()}-wal`)).toBe(true);

    const lines: string[] = [];
    const log = { info: (m: string, meta?: Record<string, unknown>) => lines.push(`${m} ${JSON.stringify(meta)}`), warn: () => undefined, error: () => undefined, debug: () => undefined, child() { return this; } };
    const store = await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3, log, now: () => NOW } });
    writer.close();
    const name = `bridge.db.pre-v${CORE}.1-to-v${CORE}.2-20261207T151700Z.bak`;
    expect(backups()).toEqual([name]);
    expect(lines.join('\n')).toContain(join(dir(), name));
    expect(lines.join('\n')).toMatch(/Backed up the database before migrating its schema.*"migrations":\["irc 1 → 2"\]/);

    // The copy: one file (no -wal beside it), at version 1, with all 50 rows and no port column.
    expect(readdirSync(dir()).filter((f) => f.startsWith(`${name}-`))).toEqual([]);
    const copy = new Database(join(dir(), name), { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    expect((copy.prepare('SELECT count(*) AS n FROM irc_servers').get() as { n: number }).n).toBe(50);
    expect(copy.prepare('SELECT name FROM pragma_table_info(?)').all('irc_servers').map((c) => (c as { name: string }).name)).toEqual(['name', 'host']);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    copy.close();
    // The store itself moved on, rows kept.
    expect(store.migrationsApplied).toEqual([{ scope: 'irc', version: 2, description: 'servers get a port' }]);
    expect((store.db.prepare('SELECT count(*) AS n FROM irc_servers WHERE port = 6697').get() as { n: number }).n).toBe(50);
    store.close();
  });

  it('takes none for a fresh database or when the schema is current', async () => {
    (await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3 } })).close();
    (await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3 } })).close();
    expect(backups()).toEqual([]);
  });

  it('keeps the newest `keep` pre-migration backups and deletes older ones, leaving other files alone', async () => {
    openStore(dbPath(), { extraMigrations: release(1) }).close();
    const unrelated = join(dir(), 'bridge.db.backup-by-hand.bak');
    copyFileSync(dbPath(), unrelated);
    for (let n = 2; n <= 6; n++) {
      (await openStoreWithBackup(dbPath(), { extraMigrations: release(n), backup: { keep: 3, now: () => NOW + n * 60_000 } })).close();
    }
    expect(backups()).toEqual([
      'bridge.db.backup-by-hand.bak',
      `bridge.db.pre-v${CORE}.3-to-v${CORE}.4-20261207T152100Z.bak`,
      `bridge.db.pre-v${CORE}.4-to-v${CORE}.5-20261207T152200Z.bak`,
      `bridge.db.pre-v${CORE}.5-to-v${CORE}.6-20261207T152300Z.bak`,
    ]);
  });

  it('refuses to migrate when the backup fails: a clear error, nothing migrated, the store can be opened again', async () => {
    openStore(dbPath(), { extraMigrations: release(1) }).close();
    // Where the copy would be written is taken by a directory: the backup itself fails. (Tests run
    // as root here, which file permissions do not stop.)
    const target = join(dir(), `bridge.db.pre-v${CORE}.1-to-v${CORE}.2-20261207T151700Z.bak`);
    mkdirSync(`${target}.partial`);
    let caught: unknown;
    try {
      await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3, now: () => NOW } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BridgeError);
    expect((caught as BridgeError).code).toBe('STORE_BACKUP_FAILED');
    expect((caught as BridgeError).message).toMatch(/needs a schema migration \(irc 1 → 2\), but the backup taken first failed, so nothing was migrated: .*Make .* writable and give it room/);
    expect(ircVersion(dbPath())).toBe(1);
    expect(existsSync(target)).toBe(false);
    rmSync(`${target}.partial`, { recursive: true });
    // The lock was released with the refusal: the next start (the cause fixed) migrates.
    (await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3, now: () => NOW } })).close();
    expect(ircVersion(dbPath())).toBe(2);
  });

  it('rolls back: the older release refuses the newer schema and names the fix; the backup put in place opens with it, rows intact', async () => {
    const old = openStore(dbPath(), { extraMigrations: release(2) });
    old.db.prepare('INSERT INTO irc_servers (name, host) VALUES (?, ?)').run('libera', 'irc.libera.chat');
    old.close();
    // The upgrade: a newer release migrates to 3 (and backs up first).
    (await openStoreWithBackup(dbPath(), { extraMigrations: release(3), backup: { keep: 3, now: () => NOW } })).close();
    const [backup] = backups();
    // The old release again: refused, untouched.
    await expect(openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3 } })).rejects.toMatchObject({
      code: 'STORE_SCHEMA_TOO_NEW',
      message: expect.stringMatching(/schema version 3 for "irc", but this version of the bridge only knows up to 2.*restore a backup taken before the upgrade/),
    });
    expect(ircVersion(dbPath())).toBe(3);
    // The documented restore: the stopped bridge's -wal/-shm removed, the backup copied over the database.
    for (const f of [`${dbPath()}-wal`, `${dbPath()}-shm`]) rmSync(f, { force: true });
    copyFileSync(join(dir(), backup!), dbPath());
    const restored = await openStoreWithBackup(dbPath(), { extraMigrations: release(2), backup: { keep: 3 } });
    expect(restored.migrationsApplied).toEqual([]);
    expect(restored.db.prepare('SELECT name, host, port FROM irc_servers').all()).toEqual([{ name: 'libera', host: 'irc.libera.chat', port: 6697 }]);
    restored.close();
  });
});
