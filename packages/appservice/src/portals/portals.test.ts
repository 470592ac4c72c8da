import { join } from 'node:path';
import { asRoomId, asUserId } from '../ids';
import { recordingIntents } from '../ghosts/testing';
import type { CreateRoomOptions } from '../intent/types';
import { openStore, type OpenedStore } from '../store/open';
import { manualClock, useTempDir } from '../store/testing/fixtures';
import { createPortals } from './portals';

const ROOM = asRoomId('!a:example.org');
const ROOM2 = asRoomId('!b:example.org');
interface ChannelMeta { channel: string; key?: string }
interface DmMeta { userId: string; nick: string }

describe('ctx.portals', () => {
  const dir = useTempDir();
  let store: OpenedStore;
  const clock = manualClock();
  beforeEach(() => { store = openStore(join(dir(), 'bridge.db'), { clock: clock.now }); });
  afterEach(() => store.close());

  it('links rooms with a kind and typed metadata, found by room and by remote room', async () => {
    await store.portals.link<ChannelMeta>({ roomId: ROOM, network: 'libera', remoteId: '#matrix', kind: 'channel', metadata: { channel: '#Matrix' } });
    clock.advance(1);
    await store.portals.link<ChannelMeta>({ roomId: ROOM2, network: 'libera', remoteId: '#matrix', kind: 'channel', metadata: { channel: '#matrix' } });
    await store.portals.link<DmMeta>({ roomId: ROOM2, network: 'libera', remoteId: 'bob', kind: 'dm', metadata: { userId: '@a:example.org', nick: 'Bob' } });

    const channel = await store.portals.byRemote<ChannelMeta>({ network: 'libera', remoteId: '#matrix', kind: 'channel' });
    expect(channel.map((p) => [p.roomId, p.metadata.channel])).toEqual([[ROOM, '#Matrix'], [ROOM2, '#matrix']]);
    // The kind is part of the key: a DM and a channel with the same remote ID do not mix.
    await expect(store.portals.byRemote({ network: 'libera', remoteId: 'bob', kind: 'channel' })).resolves.toEqual([]);
    expect((await store.portals.byRoom(ROOM2)).map((p) => p.kind)).toEqual(['channel', 'dm']);
    expect((await store.portals.list({ network: 'libera', kind: 'dm' })).map((p) => p.remoteId)).toEqual(['bob']);
    expect(await store.portals.list({ kind: 'channel' })).toHaveLength(2);
    expect(await store.portals.list({ network: 'oftc' })).toEqual([]);
  });

  it('updates metadata in place, keeps the creation time on a re-link, and unlinks', async () => {
    const key = { network: 'libera', remoteId: '#matrix', kind: 'channel' } as const;
    const first = await store.portals.link({ roomId: ROOM, ...key, metadata: { channel: '#matrix' } });
    clock.advance(1000);
    await store.portals.updateMetadata(ROOM, key, { channel: '#matrix', key: 'secret' });
    const relinked = await store.portals.link({ roomId: ROOM, ...key, metadata: { channel: '#matrix', key: 'other' } });
    expect(relinked).toMatchObject({ createdAt: first.createdAt, updatedAt: first.createdAt + 1000, metadata: { key: 'other' } });
    await expect(store.portals.updateMetadata(ROOM2, key, {})).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    await expect(store.portals.unlink(ROOM, key)).resolves.toBe(true);
    await expect(store.portals.unlink(ROOM, key)).resolves.toBe(false);
  });

  it('unlinks every remote room of a room at once (a room upgraded or abandoned)', async () => {
    await store.portals.link({ roomId: ROOM, network: 'a', remoteId: '1', kind: 'channel', metadata: {} });
    await store.portals.link({ roomId: ROOM, network: 'b', remoteId: '2', kind: 'dm', metadata: {} });
    expect((await store.portals.unlinkRoom(ROOM)).map((p) => p.network)).toEqual(['a', 'b']);
    await expect(store.portals.byRoom(ROOM)).resolves.toEqual([]);
  });

  it('answers both lookups from an index, not a table scan', () => {
    const plan = (sql: string) => JSON.stringify(store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all());
    expect(plan("SELECT * FROM portals WHERE network = 'n' AND remote_id = 'r' AND kind = 'dm'")).toContain('portals_remote');
    expect(plan("SELECT * FROM portals WHERE room_id = 'r'")).toMatch(/USING (INDEX|PRIMARY KEY)|autoindex/);
    expect(plan("SELECT * FROM ghosts WHERE network = 'n' AND remote_id = 'r'")).toContain('ghosts_remote');
  });

  it('create() makes the room with bridge info, power levels, alias and direct flag, then links it', async () => {
    const intents = recordingIntents();
    const bot = intents.intent(asUserId('@bot:example.org'));
    const portals = createPortals(store.portals, bot);
    const bob = asUserId('@_x_libera_bob:example.org');
    const portal = await portals.create<DmMeta>({
      network: 'libera', remoteId: 'bob', kind: 'dm', metadata: { userId: '@a:example.org', nick: 'Bob' },
      name: 'Bob', isDirect: true, invite: [bob], powerLevels: { users: { [bob]: 100 } },
      bridgeInfo: { protocol: { id: 'irc', displayname: 'IRC' }, network: { id: 'libera' } },
    });
    expect(portal).toMatchObject({ roomId: '!room1:example.org', kind: 'dm', metadata: { nick: 'Bob' } });
    const options = intents.calls[0]?.args as CreateRoomOptions;
    expect(options).toMatchObject({
      name: 'Bob', isDirect: true, invite: [bob], preset: 'trusted_private_chat', visibility: 'private',
      powerLevelContentOverride: { users: { [bob]: 100 } },
    });
    const info = options.initialState?.filter((s) => s.type === 'm.bridge' || s.type === 'uk.half-shot.bridge') ?? [];
    expect(info.map((s) => s.type)).toEqual(['m.bridge', 'uk.half-shot.bridge']);
    expect(info[0]).toEqual({
      type: 'm.bridge', stateKey: 'irc://libera/bob',
      content: { bridgebot: '@bot:example.org', creator: '@bot:example.org', protocol: { id: 'irc', displayname: 'IRC' }, network: { id: 'libera' }, channel: { id: 'bob' } },
    });
    await expect(store.portals.byRemote({ network: 'libera', remoteId: 'bob', kind: 'dm' })).resolves.toHaveLength(1);

    await portals.create({ network: 'libera', remoteId: '#m', kind: 'channel', alias: '_irc_libera_#m', bridgeInfo: { protocol: { id: 'irc' } } });
    expect(intents.calls[1]?.args).toMatchObject({ aliasLocalpart: '_irc_libera_#m', preset: 'public_chat' });
  });
});
