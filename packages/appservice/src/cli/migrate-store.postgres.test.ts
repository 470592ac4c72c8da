import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type BridgeApp } from '../cli';
import type { Connector } from '../connector';
import { asEventId, asRoomId, asUserId } from '../ids';
import { openStore } from '../store/open';
import { openPostgresStore } from '../store/postgres/open';
import { usePostgresCluster } from '../store/postgres/testing/jest';
import type { Migration } from '../store/types';

// A connector with a table of its own, in both dialects, with a BLOB column.
const WIDGETS: Migration = {
  version: 1,
  description: 'widgets',
  up: (db) => db.exec('CREATE TABLE widgets (id TEXT PRIMARY KEY, blob BLOB NOT NULL, n INTEGER NOT NULL)'),
  postgres: 'CREATE TABLE widgets (id TEXT PRIMARY KEY, blob BYTEA NOT NULL, n BIGINT NOT NULL)',
};
const connector: Connector = {
  name: 'demo', migrations: [WIDGETS], start: async () => undefined, stop: async () => undefined, onMatrixEvent: async () => undefined,
};
const app: BridgeApp = {
  name: 'demo', command: 'bridgekit-demo', createConnector: () => connector,
  registrationDefaults: () => ({ senderLocalpart: 'bot', userPrefix: '_d_' }),
};

const pg = usePostgresCluster();
const ROOM = asRoomId('!r:example.org');

describe('migrate-store', () => {
  let dir: string;
  let lines: string[];
  const cli = (...argv: string[]) => runCli(app, ['migrate-store', '--config', join(dir, 'config.yaml'), ...argv], (l) => void lines.push(l), { cwd: dir });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridgekit-migrate-'));
    lines = [];
    writeFileSync(join(dir, 'config.yaml'), 'homeserver: { url: "http://127.0.0.1:9", domain: example.org }\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function seedSqlite(path: string): void {
    const s = openStore(path, { extraMigrations: [{ scope: 'demo', migrations: [WIDGETS] }] });
    s.sync.rooms.link(ROOM, { network: 'n', remoteId: '#a', data: { k: 'ü' } });
    s.sync.users.set(asUserId('@u:example.org'), { network: 'n', remoteId: 'u', data: {} });
    for (let i = 0; i < 1200; i++) s.sync.messages.put({ roomId: ROOM, eventId: asEventId(`$e${i % 7}`), network: 'n', remoteId: `${1200 - i}` });
    s.sync.kv.set('k', { deep: [1, null, 'x'] });
    s.sync.ghosts.link(asUserId('@_d_bob:example.org'), { network: 'n', remoteId: 'bob' });
    s.sync.ghosts.setProfileHash(asUserId('@_d_bob:example.org'), 'hash');
    s.sync.portals.link({ roomId: ROOM, network: 'n', remoteId: '#a', kind: 'channel', metadata: { key: 'secret' } });
    s.journal.accept('t1', [{ event_id: '$x', room_id: ROOM, sender: '@a:example.org', type: 'm.room.message', content: {}, origin_server_ts: 1 }] as never, []);
    s.db.prepare('INSERT INTO widgets VALUES (?, ?, ?)').run('w', Buffer.from([0, 1, 255]), 2 ** 40);
    s.close();
  }

  it('copies every table, verified by counts, so the PostgreSQL store answers as the SQLite one did', async () => {
    const from = join(dir, 'bridge.db');
    seedSqlite(from);
    const to = await pg.newDatabase();
    await expect(cli('--from', from, '--to', to)).resolves.toBe(0);
    expect(lines.join('\n')).toMatch(/message_links: 1200 rows \(source 1200\)[\s\S]*Done: every table's row count matches/);

    const s = await openPostgresStore(to, { extraMigrations: [{ scope: 'demo', migrations: [WIDGETS] }] });
    expect(s.migrationsApplied).toEqual([]);
    expect(await s.rooms.remotesOf(ROOM)).toMatchObject([{ remoteId: '#a', data: { k: 'ü' } }]);
    expect(await s.users.byRemote('n', 'u')).toBe('@u:example.org');
    // The first remote message of an event is still the first one (insertion order, not ID order).
    expect(await s.messages.remoteIdOf(asEventId('$e0'), 'n')).toBe('1200');
    expect(await s.kv.get('k')).toEqual({ deep: [1, null, 'x'] });
    expect(await s.ghosts.profileHashOf(asUserId('@_d_bob:example.org'))).toBe('hash');
    expect(await s.portals.byRoom(ROOM)).toMatchObject([{ kind: 'channel', metadata: { key: 'secret' } }]);
    const { rows } = await s.pool.query<{ blob: Buffer; n: number }>('SELECT blob, n FROM widgets');
    expect(rows).toEqual([{ blob: Buffer.from([0, 1, 255]), n: 2 ** 40 }]);
    // Serial columns continue after the copied rows.
    await s.pool.query("INSERT INTO event_queue (txn_id, kind, created_at, updated_at) VALUES ('t2', 'room', 0, 0)");
    await s.messages.put({ roomId: ROOM, eventId: asEventId('$new'), network: 'n', remoteId: 'new' });
    await s.close();
  });

  it('refuses a target that holds data, leaving it untouched', async () => {
    const from = join(dir, 'bridge.db');
    seedSqlite(from);
    const to = await pg.newDatabase();
    const s = await openPostgresStore(to);
    await s.kv.set('already', 'here');
    await s.close();
    await expect(cli('--from', from, '--to', to)).resolves.toBe(1);
    expect(lines.join('\n')).toMatch(/already holds data \(1 rows in kv\).*empty database/);
  });

  it('refuses to copy a store a bridge is running on', async () => {
    const from = join(dir, 'bridge.db');
    seedSqlite(from);
    const running = openStore(from, { extraMigrations: [{ scope: 'demo', migrations: [WIDGETS] }] });
    try {
      await expect(cli('--from', from, '--to', await pg.newDatabase())).resolves.toBe(1);
      expect(lines.join('\n')).toMatch(/is in use by another bridge process/);
    } finally {
      running.close();
    }
  });

  it('says what it needs when --from, --to or the file is missing', async () => {
    await expect(cli('--from', 'x.db')).resolves.toBe(2);
    await expect(cli('--from', join(dir, 'none.db'), '--to', 'postgresql://h/db')).resolves.toBe(2);
    await expect(cli('--from', join(dir, 'none.db'), '--to', 'mysql://u:pw@h/db')).resolves.toBe(2);
    expect(lines.join('\n')).toMatch(/needs both --from[\s\S]*does not exist[\s\S]*must be a PostgreSQL URL/);
    expect(lines.join('\n')).not.toContain(':pw@');
  });
});
