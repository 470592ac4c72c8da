import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { asRoomId, asUserId, openStore, type OpenedStore } from '@bridgekit/appservice';
import { CORE_MIGRATIONS } from '../../../../packages/appservice/src/store/core-migrations';
import { accountMigrations } from '../accounts';
import { ircMigrations } from './migrations';
import { GhostRenames } from '../ghosts/renames';
import { GhostUserIds } from '../mapping/ghost-ids';
import type { IrcNick } from '../mapping/ids';
import { Portals } from '../portals/portals';
import { TestLogger } from '@bridgekit/appservice/testing';

interface Dump {
  schema_migrations: Array<{ scope: string; version: number; description: string; applied_at: number }>;
  room_links: Array<Record<string, string | number>>;
  user_links: Array<Record<string, string | number>>;
}

// Rows the previous release's Portals and GhostRenames wrote (fixtures/make-links-before-portals.cjs).
const DUMP = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'links-before-portals.json'), 'utf8')) as Dump;
const rfc1459 = (s: string) => s.toLowerCase().replace(/\[/g, '{').replace(/\]/g, '}').replace(/\\/g, '|').replace(/~/g, '^');
const libera = { id: 'libera' as never, fold: rfc1459 };

/** A database as the previous release left it: its schema (core 1-2, irc 1) and its rows. */
function previousReleaseDatabase(path: string): void {
  const db = new Database(path);
  // The schema those versions create is the one this release's migrations 1-2 and irc 1 create.
  db.exec('CREATE TABLE schema_migrations (scope TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at INTEGER NOT NULL, PRIMARY KEY (scope, version))');
  const record = db.prepare('INSERT INTO schema_migrations (scope, version, description, applied_at) VALUES (@scope, @version, @description, @applied_at)');
  for (const m of DUMP.schema_migrations) {
    const migration = m.scope === 'core' ? CORE_MIGRATIONS[m.version - 1] : accountMigrations(1)[m.version - 1];
    migration!.up(db);
    record.run(m);
  }
  const insert = (table: string, row: Record<string, string | number>) => {
    const cols = Object.keys(row);
    db.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`).run(row);
  };
  DUMP.room_links.forEach((row) => insert('room_links', row));
  DUMP.user_links.forEach((row) => insert('user_links', row));
  db.close();
}

describe('upgrading a deployment of the previous release', () => {
  let dir: string;
  let store: OpenedStore | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'irc-links-migration-')); });
  afterEach(() => { store?.close(); rmSync(dir, { recursive: true, force: true }); });

  function upgrade(): OpenedStore {
    const path = join(dir, 'bridge.db');
    previousReleaseDatabase(path);
    store = openStore(path, { extraMigrations: [{ scope: 'irc', migrations: ircMigrations() }] });
    return store;
  }

  it('keeps every channel portal, private chat and ghost binding, and empties the generic tables of them', async () => {
    const s = upgrade();
    expect(s.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toEqual(expect.arrayContaining(['core#4', 'irc#2', 'irc#3']));
    // Appended after the links migration, so a database at irc#2 runs it next.
    expect(s.migrationsApplied.find((m) => m.scope === 'irc' && m.version === 3)?.description).toMatch(/client certificates/);
    expect(s.sync.rooms.list()).toEqual([]);
    expect(s.sync.users.list('libera')).toEqual([]);

    const portals = new Portals(s.portals, new TestLogger());
    await expect(portals.load()).resolves.toBe(DUMP.room_links.length);
    // Channels: both rooms of #Matrix (marked refused, so only the refusal shows), #Other[1] by any spelling.
    expect(portals.roomsForChannel(libera, '#MATRIX')).toEqual([]);
    expect(portals.refusalOf(libera, '#matrix')).toEqual({ numeric: '479', reason: 'Illegal channel name' });
    expect(portals.refusedChannelsOfRoom(asRoomId('!plumbed:hs.test'))).toEqual([
      expect.objectContaining({ channel: '#Matrix', origin: 'provisioning', key: 'sesame' }),
    ]);
    expect(portals.roomsForChannel(libera, '#other[1]')).toEqual(['!other:hs.test']);
    expect(portals.channels('libera' as never)).toEqual([expect.objectContaining({ channel: '#Other[1]', origin: 'static' })]);
    // Private chats: found by the Matrix user and the nick in any case, with their ghost.
    expect(portals.privateChat(libera, asUserId('@alice:hs.test'), 'CAROL')).toEqual({
      roomId: '!dm1:hs.test', network: 'libera', userId: '@alice:hs.test', nick: 'Carol', ghost: '@_irc_libera__carol:hs.test',
    });
    expect(portals.privateChatOfRoom(asRoomId('!dm2:hs.test'))).toMatchObject({ userId: '@bob:hs.test', nick: 'Dave[m]' });
    expect(portals.hasPrivateChatWith(libera, 'dave{m}')).toBe(true);
    // The stored rows have the kind as a column, not in a string.
    expect(s.sync.portals.list({ kind: 'dm' }).map((p) => p.remoteId)).toEqual(['carol', 'dave{m}']);
  });

  it('keeps people apart after the upgrade: a renamed person and a newcomer on their old nick keep their ghosts', async () => {
    const s = upgrade();
    const renames = new GhostRenames(s.ghosts, new GhostUserIds({ prefix: '_irc_', server: 'hs.test' }));
    await expect(renames.load(['libera' as never])).resolves.toBe(2);
    expect(renames.userIdFor(libera, 'Erin2' as IrcNick)).toBe('@_irc_libera__erin:hs.test');
    expect(renames.userIdFor(libera, 'erin' as IrcNick)).toBe('@_irc_libera__erin_2:hs.test');
    expect(renames.nickOf(libera, asUserId('@_irc_libera__erin:hs.test'))).toBe('Erin2');
    await expect(s.ghosts.byUserId(asUserId('@_irc_libera__erin:hs.test'))).resolves.toMatchObject({ remoteId: 'erin2', metadata: { nick: 'Erin2', from: 'erin' } });
  });

  it('is a no-op on a new database (nothing to move)', () => {
    store = openStore(join(dir, 'fresh.db'), { extraMigrations: [{ scope: 'irc', migrations: ircMigrations() }] });
    expect(store.sync.portals.list()).toEqual([]);
  });
});
