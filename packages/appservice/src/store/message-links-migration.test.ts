/**
 * Core migration 5 on a database written before it: a real SQLite file at schema 4 and a
 * PostgreSQL database at schema 4, each with links in an insertion order their remote IDs do not
 * sort in. Every link survives with its order, and the typed columns work afterwards.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { asEventId, asRoomId } from '../ids';
import { CORE_MIGRATIONS } from './core-migrations';
import { runMigrations } from './migrate';
import { openStore } from './open';
import { openPostgresStore } from './postgres/open';
import { runPostgresMigrations } from './postgres/migrate';
import { usePostgresCluster } from './postgres/testing/jest';
import { useTempDir } from './testing/fixtures';
import type { BridgeStore } from './types';

const ROOM = asRoomId('!r:hs');
const BEFORE = CORE_MIGRATIONS.slice(0, 4);
/** (network, remote ID, event): `z` was written before `a` for one event. */
const OLD_LINKS: Array<[string, string, string]> = [['n', 'z', '$one'], ['n', 'a', '$one'], ['n', 'm', '$two'], ['other', 'z', '$three']];

async function expectUpgraded(store: Pick<BridgeStore, 'messages'>): Promise<void> {
  const one = asEventId('$one');
  expect(await store.messages.remoteIdOf(one, 'n')).toBe('z');
  expect((await store.messages.linksOf(one, 'n')).map((l) => l.remoteId)).toEqual(['z', 'a']);
  expect(await store.messages.eventIdOf('other', 'z')).toBe('$three');
  expect(await store.messages.linksOf(asEventId('$two'), 'n')).toEqual([{ roomId: ROOM, eventId: '$two', network: 'n', remoteId: 'm', createdAt: 3 }]);
  // The new columns: a link without a remote ID, written twice, is one link.
  await store.messages.put({ roomId: ROOM, eventId: one, network: 'n', sender: 'alice', excerpt: 'hi' });
  await store.messages.put({ roomId: ROOM, eventId: one, network: 'n', sender: 'alice', excerpt: 'hi there' });
  expect((await store.messages.linksOf(one, 'n')).map((l) => [l.remoteId, l.sender, l.excerpt])).toEqual([['z', undefined, undefined], ['a', undefined, undefined], [undefined, 'alice', 'hi there']]);
  expect(await store.messages.remoteIdOf(one, 'n')).toBe('z');
}

describe('core migration 5 (typed message links)', () => {
  const dir = useTempDir();
  const pg = usePostgresCluster();

  it('upgrades an SQLite file written at schema 4, keeping every link and its order', async () => {
    const path = join(dir(), 'bridge.db');
    const old = new Database(path);
    runMigrations(old, [{ scope: 'core', migrations: BEFORE }]);
    const insert = old.prepare('INSERT INTO message_links (network, remote_id, event_id, room_id, created_at) VALUES (?, ?, ?, ?, ?)');
    OLD_LINKS.forEach(([network, remoteId, eventId], i) => insert.run(network, remoteId, eventId, ROOM, i + 1));
    old.close();

    const store = openStore(path);
    expect(store.migrationsApplied.map((m) => m.version)).toEqual(CORE_MIGRATIONS.slice(4).map((m) => m.version));
    await expectUpgraded(store);
    store.close();
  });

  it('upgrades a PostgreSQL database at schema 4 the same way', async () => {
    const url = await pg.newDatabase();
    const pool = new Pool({ connectionString: url });
    try {
      await runPostgresMigrations(pool, [{ scope: 'core', migrations: BEFORE }]);
      for (const [i, [network, remoteId, eventId]] of OLD_LINKS.entries()) {
        await pool.query('INSERT INTO message_links (network, remote_id, event_id, room_id, created_at) VALUES ($1, $2, $3, $4, $5)', [network, remoteId, eventId, ROOM, i + 1]);
      }
    } finally {
      await pool.end();
    }
    const store = await openPostgresStore(url);
    try {
      expect(store.migrationsApplied.map((m) => m.version)).toEqual(CORE_MIGRATIONS.slice(4).map((m) => m.version));
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });
});
