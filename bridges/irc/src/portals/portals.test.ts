// The portal index of the IRC bridge over the core's portals, on a real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRoomId, asUserId, openStore, type OpenedStore, type PortalRepository } from '@bridgekit/appservice';
import { casefold } from '../mapping/casefold';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';
import { TestLogger } from '@bridgekit/appservice/testing';
import { Portals } from './portals';

const net = { id: 'libera' as NetworkId, fold: (s: string) => casefold(s, 'rfc1459') };
const alice = asUserId('@alice:hs.test');
const bob = asUserId('@bob:hs.test');
const nick = (n: string) => n as IrcNick;

let dir: string;
let store: OpenedStore;
let log: TestLogger;
let portals: Portals;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'irc-portals-'));
  store = openStore(join(dir, 'bridge.db'));
  log = new TestLogger();
  portals = new Portals(store.portals, log);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function restarted(): Promise<Portals> {
  await portals.flushed();
  const again = new Portals(store.portals, log);
  await again.load();
  return again;
}

describe('IRC portals over the core store', () => {
  it('stores channels and private chats as typed portals, and a restart finds them by any spelling', async () => {
    await portals.linkChannel(asRoomId('!c:hs.test'), net, '#Matrix[1]' as IrcChannel, { origin: 'alias', key: 'k' });
    await portals.linkPrivateChat(asRoomId('!d:hs.test'), net, alice, nick('Carol'), asUserId('@_irc_libera__carol:hs.test'));
    expect(store.sync.portals.list().map((p) => [p.kind, p.remoteId, p.metadata])).toEqual([
      ['channel', '#matrix{1}', { channel: '#Matrix[1]', origin: 'alias', key: 'k' }],
      ['dm', 'carol', { userId: alice, nick: 'Carol', ghost: '@_irc_libera__carol:hs.test' }],
    ]);
    const again = await restarted();
    expect(again.roomsForChannel(net, '#MATRIX{1}')).toEqual(['!c:hs.test']);
    expect(again.channelsOfRoom(asRoomId('!c:hs.test'))).toEqual([{ roomId: '!c:hs.test', network: 'libera', channel: '#Matrix[1]', origin: 'alias', key: 'k' }]);
    expect(again.privateChatRoom(net, alice, 'CAROL')).toBe('!d:hs.test');
    expect(again.privateChatRoom(net, bob, 'carol')).toBeUndefined();
  });

  it('moves private chats on NICK at once (for the next line) and in the store behind, dropping a stale chat under the new nick', async () => {
    await portals.linkPrivateChat(asRoomId('!a:hs.test'), net, alice, nick('dave'));
    await portals.linkPrivateChat(asRoomId('!b:hs.test'), net, bob, nick('dave'));
    await portals.linkPrivateChat(asRoomId('!stale:hs.test'), net, alice, nick('dave2')); // with whoever had dave2 before
    const moved = portals.renamePrivateChats(net, nick('dave'), nick('Dave2'), () => asUserId('@_irc_libera_dave:hs.test'));
    expect(moved.map((c) => [c.roomId, c.nick, c.ghost])).toEqual([
      ['!a:hs.test', 'Dave2', '@_irc_libera_dave:hs.test'], ['!b:hs.test', 'Dave2', '@_irc_libera_dave:hs.test'],
    ]);
    expect(portals.hasPrivateChatWith(net, 'dave')).toBe(false);
    expect(portals.privateChatRoom(net, alice, 'dave2')).toBe('!a:hs.test');
    expect(portals.isBridged(asRoomId('!stale:hs.test'))).toBe(false);
    // Heard again by another connection: nothing left to move.
    expect(portals.renamePrivateChats(net, nick('dave'), nick('Dave2'), () => undefined)).toEqual([]);
    const again = await restarted();
    expect(again.privateChat(net, bob, 'DAVE2')).toMatchObject({ roomId: '!b:hs.test', nick: 'Dave2' });
    expect(store.sync.portals.byRoom(asRoomId('!stale:hs.test'))).toEqual([]);
  });

  it('marks a refused channel at once, leaves it out of bridging lookups, and keeps the refusal over a restart', async () => {
    await portals.linkChannel(asRoomId('!c:hs.test'), net, '#bad' as IrcChannel, { origin: 'alias' });
    expect(portals.markRefused(net, '#BAD', { numeric: '479', reason: 'no' })).toEqual(['!c:hs.test']);
    expect(portals.roomsForChannel(net, '#bad')).toEqual([]);
    const again = await restarted();
    expect(again.refusalOf(net, '#bad')).toEqual({ numeric: '479', reason: 'no' });
    expect(again.channels(net.id)).toEqual([]);
  });

  it('moves every link of an upgraded room, and unlinks a room at once', async () => {
    await portals.linkChannel(asRoomId('!old:hs.test'), net, '#a' as IrcChannel, { origin: 'static' });
    await portals.linkChannel(asRoomId('!old:hs.test'), net, '#b' as IrcChannel, { origin: 'static' });
    await expect(portals.moveRoom(asRoomId('!old:hs.test'), asRoomId('!new:hs.test'))).resolves.toBe(2);
    expect(store.sync.portals.byRoom(asRoomId('!new:hs.test')).map((p) => p.remoteId)).toEqual(['#a', '#b']);
    await expect(portals.unlinkRoom(asRoomId('!new:hs.test'))).resolves.toBe(2);
    expect(store.sync.portals.list()).toEqual([]);
  });

  it('rejects an awaited write the store refused, and logs one made behind an IRC listener', async () => {
    const failing: PortalRepository = { ...store.portals, link: async () => { throw new Error('disk full'); }, unlink: async () => { throw new Error('disk full'); } };
    const broken = new Portals(failing, log);
    await expect(broken.linkPrivateChat(asRoomId('!a:hs.test'), net, alice, nick('eve'))).rejects.toThrow('disk full');
    broken.renamePrivateChats(net, nick('eve'), nick('eve2'), () => undefined);
    await broken.flushed();
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringContaining('lost at the next restart'), expect.stringContaining('lost at the next restart'),
    ]);
  });
});
