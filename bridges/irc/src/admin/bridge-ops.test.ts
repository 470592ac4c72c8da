// The admin commands' view of the bridge (AdminBridgeOps) over the runtime, on the fakes.
import { UserSettingsStore } from '../accounts';
import { adminBridgeOps } from './bridge-ops';
import type { NetworkId } from '../mapping/ids';
import { alice, bob, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const net = 'net' as NetworkId;

describe('adminBridgeOps', () => {
  it('!reconnect makes a new connection with the stored nick, keeps the channels and never touches Matrix rooms', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    new UserSettingsStore(h.bridge.store.db).setNick(alice, net, 'alicia');
    const ops = adminBridgeOps(h.connector.bridge);
    const puppet = await ops.reconnect(alice, net);
    await h.settle();
    expect(puppet.nick).toBe('alicia');
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(h.server.client('alicia')?.joinedChannels.has('#chan')).toBe(true);
    expect(h.bridge.matrix.membershipChanges()).toEqual([]);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'new nick' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'alicia', kind: 'say', target: '#chan', text: 'new nick' });
    expect(h.bridge.matrix.messagesIn(roomId)).toHaveLength(0);
  });

  it('!join creates the portal and joins as the user; !listrooms and !part follow it', async () => {
    h = await startHarness();
    const ops = adminBridgeOps(h.connector.bridge);
    const { roomId } = await ops.joinChannel(bob, net, '#new' as never);
    await h.settle();
    expect(h.bridge.matrix.created.map((c) => c.options.aliasLocalpart)).toEqual(['irc_net_#new']);
    expect(h.server.client('bob[m]')?.joinedChannels.has('#new')).toBe(true);
    expect(await ops.listRooms(bob)).toEqual([{ network: 'net', channel: '#new', roomId }]);
    expect(await ops.partChannel(bob, net, '#new' as never)).toBe(true);
    expect(h.server.client('bob[m]')?.joinedChannels.has('#new')).toBe(false);
    expect(await ops.partChannel(bob, net, '#new' as never)).toBe(false);
    expect(await ops.listRooms(bob)).toEqual([]);
  });

  it('!quit disconnects only a connected user', async () => {
    h = await startHarness();
    const ops = adminBridgeOps(h.connector.bridge);
    expect(await ops.disconnect(alice, net, 'bye')).toBe(false);
    await ops.puppetFor(alice, net);
    expect(ops.connectedPuppet(alice, net)?.nick).toBe('alice[m]');
    expect(await ops.disconnect(alice, net, 'bye')).toBe(true);
    expect(ops.connectedPuppet(alice, net)).toBeUndefined();
    expect(ops.networks()).toEqual([{ id: 'net', name: 'Test Net' }]);
    expect(ops.bridgeVersion()).toMatch(/^bridgekit-irc \d+\.\d+\.\d+ \(irc-framework \d+\.\d+\.\d+\)$/);
  });

  it('hands DM invites of the bot to the admin room, not to private chats', async () => {
    h = await startHarness();
    const room = `!admin:hs.test` as never;
    await h.matrixEvent(room, alice, { membership: 'invite', is_direct: true }, 'm.room.member', { stateKey: '@ircbot:hs.test' });
    expect(h.bridge.matrix.joins).toContainEqual({ userId: '@ircbot:hs.test', roomId: room });
    expect(h.bridge.store.sync.portals.byRoom(room)).toEqual([]);
  });
});

describe('secrets', () => {
  it('never logs the server password or the SASL password', async () => {
    h = await startHarness({ network: { password: 'server-pass-4242', bot: { nick: 'BridgeBot', sasl: { account: 'bot', password: 'sasl-pass-4242' } } } });
    const roomId = await h.portal();
    h.server.failNextConnects(2);
    h.server.dropAll();
    await h.advance(1000);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await h.advance(4000);
    expect(h.server.clients[0]!.options.password).toBe('server-pass-4242');
    const logged = JSON.stringify(h.bridge.log.lines);
    expect(logged.length).toBeGreaterThan(100);
    expect(logged).not.toContain('4242');
  });
});
