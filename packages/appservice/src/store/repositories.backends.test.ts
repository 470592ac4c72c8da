import { asEventId, asRoomId, asUserId, type UserId } from '../ids';
import { BridgeError } from '../errors/bridge-error';
import { storeBackends, type OpenedForTest } from './testing/backends';
import { manualClock } from './testing/fixtures';

const ROOM = asRoomId('!room:example.org');
const ROOM2 = asRoomId('!other:example.org');
const ALICE = asUserId('@alice:example.org');
const BOB = asUserId('@bob:example.org');

const backends = storeBackends();

describe.each(backends)('store repositories on $name', (backend) => {
  let store: OpenedForTest | undefined;
  const open = async (clock?: () => number) => { await store?.close(); store = await backend.open({ clock }); return store; };
  afterEach(async () => { await store?.close(); store = undefined; });

  it('persists room links across a reopen', async () => {
    const clock = manualClock();
    let s = await open(clock.now);
    await s.rooms.link(ROOM, { network: 'libera', remoteId: '#matrix', data: { origin: 'provisioning' } });
    clock.advance(10);
    await s.rooms.link(ROOM, { network: 'oftc', remoteId: '#matrix', data: {} });
    await s.rooms.link(ROOM2, { network: 'libera', remoteId: '#matrix', data: {} });
    s = await open(clock.now);
    expect(await s.rooms.remotesOf(ROOM)).toEqual([
      { roomId: ROOM, network: 'libera', remoteId: '#matrix', data: { origin: 'provisioning' }, createdAt: clock.now() - 10 },
      { roomId: ROOM, network: 'oftc', remoteId: '#matrix', data: {}, createdAt: clock.now() },
    ]);
    expect((await s.rooms.roomsOf('libera', '#matrix')).map((l) => l.roomId)).toEqual([ROOM, ROOM2]);
    expect(await s.rooms.list('oftc')).toHaveLength(1);
    expect(await s.rooms.list()).toHaveLength(3);
  });

  it('re-links keeping the creation time, updates data, unlinks', async () => {
    const clock = manualClock();
    const s = await open(clock.now);
    await s.rooms.link(ROOM, { network: 'libera', remoteId: '#a', data: { v: 1 } });
    clock.advance(500);
    await s.rooms.link(ROOM, { network: 'libera', remoteId: '#a', data: { v: 2 } });
    expect(await s.rooms.remotesOf(ROOM)).toEqual([{ roomId: ROOM, network: 'libera', remoteId: '#a', data: { v: 2 }, createdAt: clock.now() - 500 }]);
    await s.rooms.updateData(ROOM, 'libera', '#a', { v: 3, key: 'secret' });
    expect((await s.rooms.remotesOf(ROOM))[0].data).toEqual({ v: 3, key: 'secret' });
    await expect(s.rooms.updateData(ROOM, 'libera', '#nope', {})).rejects.toBeInstanceOf(BridgeError);
    await expect(s.rooms.unlink(ROOM, 'libera', '#a')).resolves.toBe(true);
    await expect(s.rooms.unlink(ROOM, 'libera', '#a')).resolves.toBe(false);
    await expect(s.rooms.remotesOf(ROOM)).resolves.toEqual([]);
  });

  it('maps users both ways; a remote identity moves to its newest owner', async () => {
    const s = await open();
    await s.users.set(ALICE, { network: 'libera', remoteId: 'alice', data: { password: 'p' } });
    await s.users.set(ALICE, { network: 'oftc', remoteId: 'alice_', data: {} });
    expect(await s.users.get(ALICE, 'libera')).toEqual({ network: 'libera', remoteId: 'alice', data: { password: 'p' } });
    expect(await s.users.byRemote('oftc', 'alice_')).toBe(ALICE);
    expect(await s.users.get(BOB, 'libera')).toBeUndefined();
    await s.users.set(BOB, { network: 'libera', remoteId: 'alice', data: {} });
    expect(await s.users.byRemote('libera', 'alice')).toBe(BOB);
    expect(await s.users.get(ALICE, 'libera')).toBeUndefined();
    await s.users.set(BOB, { network: 'libera', remoteId: 'bob', data: {} });
    expect(await s.users.byRemote('libera', 'alice')).toBeUndefined();
    expect(await s.users.list('libera')).toEqual([{ userId: BOB, network: 'libera', remoteId: 'bob', data: {} }]);
    await expect(s.users.remove(ALICE, 'oftc')).resolves.toBe(true);
    await expect(s.users.remove(ALICE, 'oftc')).resolves.toBe(false);
  });

  it('maps messages both ways, the first remote message of a split event first, and prunes by age', async () => {
    const clock = manualClock();
    const s = await open(clock.now);
    const e1 = asEventId('$one');
    await s.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', remoteId: 'm1' });
    await s.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', remoteId: 'a0' }); // split message; sorts before m1
    clock.advance(60_000);
    await s.messages.put({ roomId: ROOM, eventId: asEventId('$two'), network: 'libera', remoteId: 'm2' });
    expect(await s.messages.eventIdOf('libera', 'a0')).toBe(e1);
    expect(await s.messages.remoteIdOf(e1, 'libera')).toBe('m1');
    expect(await s.messages.remoteIdOf(e1, 'oftc')).toBeUndefined();
    expect(await s.messages.prune(30_000)).toBe(2);
    expect(await s.messages.eventIdOf('libera', 'm1')).toBeUndefined();
    expect(await s.messages.eventIdOf('libera', 'm2')).toBe('$two');
  });

  it('keeps who sent a message and its start in typed columns, with or without a remote ID', async () => {
    const s = await open();
    const e1 = asEventId('$one');
    await s.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', sender: 'alice', excerpt: 'no id here' });
    await s.messages.put({ roomId: ROOM, eventId: e1, network: 'libera', remoteId: 'msg-1', sender: 'alice', excerpt: 'with an id' });
    expect((await s.messages.linksOf(e1, 'libera')).map(({ remoteId, sender, excerpt }) => ({ remoteId, sender, excerpt }))).toEqual([
      { remoteId: undefined, sender: 'alice', excerpt: 'no id here' }, { remoteId: 'msg-1', sender: 'alice', excerpt: 'with an id' },
    ]);
    expect(await s.messages.remoteIdOf(e1, 'libera')).toBe('msg-1');
    // A remote ID linked again moves to the new event, with what is known about it now.
    await s.messages.put({ roomId: ROOM, eventId: asEventId('$two'), network: 'libera', remoteId: 'msg-1', sender: 'bob' });
    expect(await s.messages.eventIdOf('libera', 'msg-1')).toBe('$two');
    expect(await s.messages.linksOf(asEventId('$two'), 'libera')).toEqual([expect.objectContaining({ remoteId: 'msg-1', sender: 'bob' })]);
    expect((await s.messages.linksOf(asEventId('$two'), 'libera'))[0]).not.toHaveProperty('excerpt');
  });

  it('stores JSON values in kv and lists keys by literal prefix, in byte order', async () => {
    let s = await open();
    await s.kv.set('irc:libera:motd_seen', true);
    await s.kv.set('irc:libera:cfg', { a: [1, 2], text: 'ünïcode ✓' });
    await s.kv.set('irc_x', 1);
    await s.kv.set('irc%', 'pct');
    await s.kv.set('Irc', 0);
    s = await open();
    expect(await s.kv.get('irc:libera:cfg')).toEqual({ a: [1, 2], text: 'ünïcode ✓' });
    expect(await s.kv.get('missing')).toBeUndefined();
    expect(await s.kv.keys('irc:')).toEqual(['irc:libera:cfg', 'irc:libera:motd_seen']);
    expect(await s.kv.keys('irc%')).toEqual(['irc%']);
    expect(await s.kv.keys()).toEqual(['Irc', 'irc%', 'irc:libera:cfg', 'irc:libera:motd_seen', 'irc_x']);
    await expect(s.kv.delete('irc_x')).resolves.toBe(true);
    await expect(s.kv.delete('irc_x')).resolves.toBe(false);
    await expect(s.kv.set('x', undefined)).rejects.toThrow(/use kv.delete/);
  });

  it('sets several kv keys in one transaction, the last value of a repeated key, or none when one is invalid', async () => {
    const clock = manualClock();
    let s = await open(clock.now);
    await s.kv.set('a', 'old');
    await s.kv.setMany([['a', { v: 1 }], ['b', [1, 2]], ['a', { v: 2 }]]);
    await s.kv.setMany([]);
    s = await open(clock.now);
    expect(await s.kv.get('a')).toEqual({ v: 2 });
    expect(await s.kv.get('b')).toEqual([1, 2]);
    await expect(s.kv.setMany([['c', 1], ['d', undefined]])).rejects.toThrow(/use kv.delete/);
    expect(await s.kv.get('c')).toBeUndefined();
  });

  it('links ghosts one each way: a re-link moves the identity, keeping creation time and profile hash', async () => {
    const clock = manualClock();
    const s = await open(clock.now);
    const g1 = asUserId('@_irc_alice:example.org');
    const g2 = asUserId('@_irc_alice_2:example.org');
    const first = await s.ghosts.link(g1, { network: 'irc', remoteId: 'alice', metadata: { nick: 'Alice' } });
    expect(first).toEqual({ userId: g1, network: 'irc', remoteId: 'alice', metadata: { nick: 'Alice' }, createdAt: clock.now(), updatedAt: clock.now() });
    await s.ghosts.setProfileHash(g1, 'h1');
    clock.advance(5);
    await s.ghosts.link(g1, { network: 'irc', remoteId: 'alice2' });
    expect(await s.ghosts.byUserId(g1)).toMatchObject({ remoteId: 'alice2', createdAt: first.createdAt, updatedAt: clock.now() });
    expect(await s.ghosts.profileHashOf(g1)).toBe('h1');
    await s.ghosts.link(g2, { network: 'irc', remoteId: 'alice2' });
    expect(await s.ghosts.byUserId(g1)).toBeUndefined();
    expect((await s.ghosts.get('irc', 'alice2'))?.userId).toBe(g2);
    expect((await s.ghosts.list('irc')).map((g) => g.userId)).toEqual([g2]);
    await expect(s.ghosts.unlink(g2)).resolves.toBe(true);
    await expect(s.ghosts.unlink(g2)).resolves.toBe(false);
    expect(await s.ghosts.profileHashOf(g2)).toBeUndefined();
  });

  it('resolves concurrent callers of one identity to one ghost, and a taken name to the next variant', async () => {
    const s = await open();
    const candidate = (name: string) => (v: number) => asUserId(`@_irc_${name}${v > 1 ? `_${v}` : ''}:example.org`);
    await s.ghosts.link(candidate('bob')(1), { network: 'irc', remoteId: 'bob_renamed' });
    const results = await Promise.all(Array.from({ length: 8 }, () => s.ghosts.resolve('irc', 'bob', candidate('bob'))));
    expect(new Set(results.map((g) => g.userId))).toEqual(new Set<UserId>([candidate('bob')(2)]));
    expect((await s.ghosts.get('irc', 'bob_renamed'))?.userId).toBe(candidate('bob')(1));
    await expect(s.ghosts.resolve('irc', 'x', () => candidate('bob')(1))).rejects.toThrow(/repeats itself/);
  });

  it('links portals by kind with typed metadata, both ways, and unlinks a whole room', async () => {
    const clock = manualClock();
    const s = await open(clock.now);
    await s.portals.link({ roomId: ROOM, network: 'libera', remoteId: '#matrix', kind: 'channel', metadata: { channel: '#Matrix' } });
    clock.advance(1);
    await s.portals.link({ roomId: ROOM2, network: 'libera', remoteId: '#matrix', kind: 'channel', metadata: { channel: '#matrix' } });
    await s.portals.link({ roomId: ROOM2, network: 'libera', remoteId: 'bob', kind: 'dm', metadata: { nick: 'Bob' } });
    const channel = await s.portals.byRemote<{ channel: string }>({ network: 'libera', remoteId: '#matrix', kind: 'channel' });
    expect(channel.map((p) => [p.roomId, p.metadata.channel])).toEqual([[ROOM, '#Matrix'], [ROOM2, '#matrix']]);
    await expect(s.portals.byRemote({ network: 'libera', remoteId: 'bob', kind: 'channel' })).resolves.toEqual([]);
    expect((await s.portals.byRoom(ROOM2)).map((p) => p.kind)).toEqual(['channel', 'dm']);
    expect((await s.portals.list({ network: 'libera', kind: 'dm' })).map((p) => p.remoteId)).toEqual(['bob']);
    expect(await s.portals.list({ kind: 'channel' })).toHaveLength(2);
    expect(await s.portals.list()).toHaveLength(3);
    expect(await s.portals.list({ network: 'oftc' })).toEqual([]);

    const key = { network: 'libera', remoteId: '#matrix', kind: 'channel' } as const;
    clock.advance(1000);
    await s.portals.updateMetadata(ROOM, key, { channel: '#matrix', key: 'secret' });
    const relinked = await s.portals.link({ roomId: ROOM, ...key, metadata: { channel: '#matrix', key: 'other' } });
    expect(relinked).toMatchObject({ createdAt: clock.now() - 1001, updatedAt: clock.now(), metadata: { key: 'other' } });
    await expect(s.portals.updateMetadata(asRoomId('!none:example.org'), key, {})).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    expect((await s.portals.unlinkRoom(ROOM2)).map((p) => p.remoteId)).toEqual(['#matrix', 'bob']);
    await expect(s.portals.byRoom(ROOM2)).resolves.toEqual([]);
    await expect(s.portals.unlink(ROOM, key)).resolves.toBe(true);
    await expect(s.portals.unlink(ROOM, key)).resolves.toBe(false);
  });
});
