/**
 * Upgrading the message links the previous release wrote (string-encoded `ref …` / `msgid …`
 * remote IDs, fixtures/make-message-refs-before-columns.cjs) to the typed columns: on a real
 * SQLite file at that release's schema, and the PostgreSQL variant on rows of the same shape.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { asEventId, openStore, type BridgeStore, type OpenedStore } from '@bridgekit/appservice';
import { CORE_MIGRATIONS } from '../../../../packages/appservice/src/store/core-migrations';
import { runMigrations } from '../../../../packages/appservice/src/store/migrate';
import { openPostgresStore } from '../../../../packages/appservice/src/store/postgres/open';
import { runPostgresMigrations } from '../../../../packages/appservice/src/store/postgres/migrate';
import { usePostgresCluster } from '../../../../packages/appservice/src/store/postgres/testing/jest';
import { MessageRefs } from '../handlers/message-refs';
import type { NetworkId } from '../mapping/ids';
import { MESSAGE_REFS_TO_COLUMNS } from './message-refs-migration';
import { ircMigrations } from './migrations';

interface Dump {
  schema_migrations: Array<{ scope: string; version: number }>;
  message_links: Array<{ network: string; remote_id: string; event_id: string; room_id: string; created_at: number }>;
}

const DUMP = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'message-refs-before-columns.json'), 'utf8')) as Dump;
const libera = 'libera' as NetworkId;
const oftc = 'oftc' as NetworkId;
const e = asEventId;

/** What the previous release's MessageRefs answered for these rows; the upgrade must answer the same. */
async function expectSameAnswers(store: Pick<BridgeStore, 'messages'>): Promise<void> {
  const refs = new MessageRefs(store);
  expect(await refs.lookup(e('$plain'), libera)).toEqual({ nick: 'carol', excerpt: 'hello "world"' });
  expect(await refs.msgidOf(e('$plain'), libera)).toBeUndefined();
  expect(await refs.lookup(e('$tagged'), libera)).toEqual({ nick: 'dave[m]', excerpt: 'with a msgid ✓' });
  expect(await refs.msgidOf(e('$tagged'), libera)).toBe('AbC-123');
  expect(await refs.eventOfMsgid(libera, 'AbC-123')).toBe('$tagged');
  expect(await refs.eventOfMsgid(libera, 'echo-9')).toBe('$echoed');
  expect(await refs.lookup(e('$both'), libera)).toEqual({ nick: 'alice', excerpt: 'twice' });
  expect(await refs.lookup(e('$both'), oftc)).toEqual({ nick: 'alice_', excerpt: 'twice' });
  expect(await refs.msgidOf(e('$both'), oftc)).toBe('o-1');
  expect(await refs.msgidOf(e('$both'), libera)).toBeUndefined();
  // The older release's msgid, kept under the network itself.
  expect(await refs.eventOfMsgid(libera, 'legacy-7')).toBe('$legacy');
  expect(await refs.msgidOf(e('$legacy'), libera)).toBe('legacy-7');
  // One typed link per event and network: the msgid joined the event's link.
  expect(await store.messages.linksOf(e('$tagged'), libera)).toEqual([
    expect.objectContaining({ remoteId: 'AbC-123', sender: 'dave[m]', excerpt: 'with a msgid ✓' }),
  ]);
  expect(await store.messages.linksOf(e('$tagged'), 'libera msgid')).toEqual([]);
}

describe('irc: message links upgraded to typed columns', () => {
  let dir: string;
  let store: OpenedStore | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'irc-message-refs-')); });
  afterEach(() => { store?.close(); store = undefined; rmSync(dir, { recursive: true, force: true }); });
  const pg = usePostgresCluster();

  it('answers every reply lookup as before on an SQLite file of the previous release, with no encoded remote IDs left', async () => {
    const path = join(dir, 'bridge.db');
    const old = new Database(path);
    const versions = (scope: string) => DUMP.schema_migrations.filter((m) => m.scope === scope).length;
    runMigrations(old, [
      { scope: 'core', migrations: CORE_MIGRATIONS.slice(0, versions('core')) },
      { scope: 'irc', migrations: ircMigrations().slice(0, versions('irc')) },
    ]);
    const insert = old.prepare('INSERT INTO message_links (network, remote_id, event_id, room_id, created_at) VALUES (@network, @remote_id, @event_id, @room_id, @created_at)');
    DUMP.message_links.forEach((row) => insert.run(row));
    // A row of another shape is not the bridge's to reinterpret, and a broken ref was never readable.
    insert.run({ network: 'libera', remote_id: 'REF ["kept"]', event_id: '$other', room_id: '!r:hs', created_at: 1 });
    insert.run({ network: 'libera', remote_id: 'ref [not json', event_id: '$broken', room_id: '!r:hs', created_at: 1 });
    old.close();

    store = openStore(path, { extraMigrations: [{ scope: 'irc', migrations: ircMigrations() }] });
    // Every irc migration after the previous release's runs (message refs, then later ones).
    const newer = ircMigrations().slice(versions('irc')).map((m) => `irc#${m.version}`);
    expect(store.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toEqual([...CORE_MIGRATIONS.slice(versions('core')).map((m) => `core#${m.version}`), ...newer]);
    expect(newer[0]).toBe(`irc#${versions('irc') + 1}`);
    await expectSameAnswers(store);
    expect(store.db.prepare("SELECT count(*) AS n FROM message_links WHERE remote_id LIKE 'ref %' OR remote_id LIKE 'msgid %' OR network LIKE '% msgid'").get()).toEqual({ n: 1 });
    expect(await store.messages.remoteIdOf(e('$other'), 'libera')).toBe('REF ["kept"]');
    expect(await store.messages.linksOf(e('$broken'), 'libera')).toEqual([]);
  });

  it('does the same in its PostgreSQL variant', async () => {
    const url = await pg.newDatabase();
    // The IRC scope's earlier migrations are SQLite-only (its accounts); this one is run on its own.
    const scope = { scope: 'irc-message-refs', migrations: [{ ...MESSAGE_REFS_TO_COLUMNS, version: 1 }] };
    const pool = new Pool({ connectionString: url });
    try {
      await runPostgresMigrations(pool, [{ scope: 'core', migrations: CORE_MIGRATIONS }]);
      for (const row of DUMP.message_links) {
        await pool.query('INSERT INTO message_links (network, remote_id, event_id, room_id, created_at) VALUES ($1, $2, $3, $4, $5)',
          [row.network, row.remote_id, row.event_id, row.room_id, row.created_at]);
      }
      await runPostgresMigrations(pool, [scope]);
    } finally {
      await pool.end();
    }
    const pgStore = await openPostgresStore(url, { extraMigrations: [scope] });
    try {
      await expectSameAnswers(pgStore);
      const { rows } = await pgStore.pool.query("SELECT count(*)::int AS n FROM message_links WHERE remote_id LIKE 'ref %' OR remote_id LIKE 'msgid %' OR network LIKE '% msgid'");
      expect(rows[0]).toEqual({ n: 0 });
    } finally {
      await pgStore.close();
    }
  });
});
