import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asEventId, asRoomId, asUserId } from '../ids';
import { BridgeError } from '../errors/bridge-error';
import { CORE_MIGRATIONS } from './core-migrations';
import { openStore } from './open';
import { manualClock, useTempDir } from './testing/fixtures';

const ROOM = asRoomId('!room:example.org');
const ROOM2 = asRoomId('!other:example.org');
const ALICE = asUserId('@alice:example.org');
const BOB = asUserId('@bob:example.org');

describe('store repositories', () => {
  const dir = useTempDir();
  const dbPath = () => join(dir(), 'data', 'bridge.db');

  it('opens a WAL database with foreign keys on and a busy timeout, creating its directory', () => {
    const store = openStore(dbPath(), { busyTimeoutMs: 1234 });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(store.migrationsApplied.map((m) => `${m.scope}#${m.version}`)).toEqual(CORE_MIGRATIONS.map((m) => `core#${m.version}`));
    store.close();
    const again = openStore(dbPath());
    expect(again.migrationsApplied).toEqual([]);
    again.close();
  });

  it('persists room links across a reopen', () => {
    const clock = manualClock();
    let store = openStore(dbPath(), { clock: clock.now });
    store.sync.rooms.link(ROOM, { network: 'libera', remoteId: '#matrix', data: { origin: 'provisioning' } });
    clock.advance(10);
    store.sync.rooms.link(ROOM, { network: 'oftc', remoteId: '#matrix', data: {} });
    store.sync.rooms.link(ROOM2, { network: 'libera', remoteId: '#matrix', data: {} });
    store.close();

    store = openStore(dbPath(), { clock: clock.now });
    expect(store.sync.rooms.remotesOf(ROOM)).toEqual([
      { roomId: ROOM, network: 'libera', remoteId: '#matrix', data: { origin: 'provisioning' }, createdAt: clock.now() - 10 },
      { roomId: ROOM, network: 'oftc', remoteId: '#matrix', data: {}, createdAt: clock.now() },
    ]);
    expect(store.sync.rooms.roomsOf('libera', '#matrix').map((l) => l.roomId)).toEqual([ROOM, ROOM2]);
    expect(store.sync.rooms.list('oftc')).toHaveLength(1);
    expect(store.sync.rooms.list()).toHaveLength(3);
    store.close();
  });

  it('re-links keeping the creation time, updates data, unlinks', () => {
    const clock = manualClock();
    const store = openStore(dbPath(), { clock: clock.now });
    store.sync.rooms.link(ROOM, { network: 'libera', remoteId: '#a', data: { v: 1 } });
    clock.advance(500);
    store.sync.rooms.link(ROOM, { network: 'libera', remoteId: '#a', data: { v: 2 } });
    expect(store.sync.rooms.remotesOf(ROOM)).toEqual([{ roomId: ROOM, network: 'libera', remoteId: '#a', data: { v: 2 }, createdAt: clock.now() - 500 }]);
    store.sync.rooms.updateData(ROOM, 'libera', '#a', { v: 3, key: 'secret' });
    expect(store.sync.rooms.remotesOf(ROOM)[0].data).toEqual({ v: 3, key: 'secret' });
    expect(() => store.sync.rooms.updateData(ROOM, 'libera', '#nope', {})).toThrow(BridgeError);
    expect(store.sync.rooms.unlink(ROOM, 'libera', '#a')).toBe(true);
    expect(store.sync.rooms.unlink(ROOM, 'libera', '#a')).toBe(false);
    expect(store.sync.rooms.remotesOf(ROOM)).toEqual([]);
    store.close();
  });

  it('maps users both ways; a remote identity moves to its newest owner', () => {
    const store = openStore(dbPath());
    store.sync.users.set(ALICE, { network: 'libera', remoteId: 'alice', data: { password: 'p' } });
    store.sync.users.set(ALICE, { network: 'oftc', remoteId: 'alice_', data: {} });
    expect(store.sync.users.get(ALICE, 'libera')).toEqual({ network: 'libera', remoteId: 'alice', data: { password: 'p' } });
    expect(store.sync.users.byRemote('oftc', 'alice_')).toBe(ALICE);
    expect(store.sync.users.get(BOB, 'libera')).toBeUndefined();

    store.sync.users.set(BOB, { network: 'libera', remoteId: 'alice', data: {} });
    expect(store.sync.users.byRemote('libera', 'alice')).toBe(BOB);
    expect(store.sync.users.get(ALICE, 'libera')).toBeUndefined();

    store.sync.users.set(BOB, { network: 'libera', remoteId: 'bob', data: {} });
    expect(store.sync.users.byRemote('libera', 'alice')).toBeUndefined();
    expect(store.sync.users.list('libera')).toEqual([{ userId: BOB, network: 'libera', remoteId: 'bob', data: {} }]);
    expect(store.sync.users.remove(ALICE, 'oftc')).toBe(true);
    expect(store.sync.users.remove(ALICE, 'oftc')).toBe(false);
    store.close();
  });

  it('maps messages both ways and prunes old entries by age', () => {
    const clock = manualClock();
    const store = openStore(dbPath(), { clock: clock.now });
    const e1 = asEventId('$one');
    store.sync.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', remoteId: 'm1' });
    store.sync.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', remoteId: 'm1b' }); // split message
    clock.advance(60_000);
    store.sync.messages.put({ roomId: ROOM, eventId: asEventId('$two'), network: 'libera', remoteId: 'm2' });
    expect(store.sync.messages.eventIdOf('libera', 'm1b')).toBe(e1);
    expect(store.sync.messages.remoteIdOf(e1, 'libera')).toBe('m1');
    expect(store.sync.messages.remoteIdOf(e1, 'oftc')).toBeUndefined();
    expect(store.sync.messages.prune(30_000)).toBe(2);
    expect(store.sync.messages.eventIdOf('libera', 'm1')).toBeUndefined();
    expect(store.sync.messages.eventIdOf('libera', 'm2')).toBe('$two');
    store.close();
  });

  it('stores JSON values in kv and lists keys by literal prefix', () => {
    let store = openStore(dbPath());
    store.sync.kv.set('irc:libera:motd_seen', true);
    store.sync.kv.set('irc:libera:cfg', { a: [1, 2] });
    store.sync.kv.set('irc_x', 1);
    store.sync.kv.set('irc%', 'pct');
    store.close();
    store = openStore(dbPath());
    expect(store.sync.kv.get<{ a: number[] }>('irc:libera:cfg')).toEqual({ a: [1, 2] });
    expect(store.sync.kv.get('missing')).toBeUndefined();
    expect(store.sync.kv.keys('irc:')).toEqual(['irc:libera:cfg', 'irc:libera:motd_seen']);
    expect(store.sync.kv.keys('irc%')).toEqual(['irc%']);
    expect(store.sync.kv.keys()).toHaveLength(4);
    expect(store.sync.kv.delete('irc_x')).toBe(true);
    expect(store.sync.kv.delete('irc_x')).toBe(false);
    expect(() => store.sync.kv.set('x', undefined)).toThrow(/use kv.delete/);
    store.close();
  });

  it('turns an unopenable path into an error that says what to check', () => {
    writeFileSync(join(dir(), 'not-a-dir'), '');
    writeFileSync(join(dir(), 'garbage.db'), 'this is not an SQLite file, just text that is long enough to have a header');
    const garbage = (() => { try { openStore(join(dir(), 'garbage.db')); } catch (e) { return e; } })();
    expect((garbage as BridgeError).code).toBe('STORE_OPEN_FAILED');
    const err = (() => { try { openStore(join(dir(), 'not-a-dir', 'bridge.db')); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('STORE_OPEN_FAILED');
    expect((err as BridgeError).message).toMatch(/Check database.path/);
  });

  it('works in memory', () => {
    const store = openStore(':memory:');
    store.sync.kv.set('a', 1);
    expect(store.sync.kv.get('a')).toBe(1);
    store.close();
  });
});
