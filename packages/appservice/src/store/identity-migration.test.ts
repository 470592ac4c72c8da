import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CORE_MIGRATIONS } from './core-migrations';
import { runMigrations } from './migrate';
import { openStore } from './open';
import { useTempDir } from './testing/fixtures';

describe('core migration 4 (ghosts and portals)', () => {
  const dir = useTempDir();

  it('upgrades a database made before it, keeping what the generic link tables hold', async () => {
    const path = join(dir(), 'bridge.db');
    // A database as the previous release left it: core schema 2, a room link and a user link.
    const old = new Database(path);
    runMigrations(old, [{ scope: 'core', migrations: CORE_MIGRATIONS.slice(0, 2) }]);
    old.prepare("INSERT INTO room_links (room_id, network, remote_id, data, created_at) VALUES ('!r:hs', 'n', '#c', '{}', 1)").run();
    old.prepare("INSERT INTO user_links (user_id, network, remote_id, data, created_at) VALUES ('@u:hs', 'n', 'nick', '{}', 1)").run();
    old.close();

    const store = openStore(path);
    expect(store.migrationsApplied.map((m) => m.version)).toEqual(CORE_MIGRATIONS.slice(2).map((m) => m.version));
    await expect(store.rooms.roomsOf('n', '#c')).resolves.toHaveLength(1);
    await expect(store.users.byRemote('n', 'nick')).resolves.toBe('@u:hs');
    await expect(store.portals.list()).resolves.toEqual([]);
    await expect(store.ghosts.list('n')).resolves.toEqual([]);
    store.close();
  });
});
