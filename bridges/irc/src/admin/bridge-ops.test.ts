// The admin commands' view of the bridge (AdminBridgeOps) over the runtime, on the fakes.
import { adminBridgeOps } from './bridge-ops';
import { CommandError } from './errors';
import type { NetworkId } from '../mapping/ids';
import { ADMIN, alice, bob, BOT, BOT_NICK, startHarness, type Harness } from '../testing/harness';

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
    await h.connector.accounts!.settings.setNick(alice, net, 'alicia');
    const membershipsBefore = h.tb.sent.memberships().length;
    const ops = adminBridgeOps(h.connector.bridge);
    const puppet = await ops.reconnect(alice, net);
    await h.settle();
    expect(puppet.nick).toBe('alicia');
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(h.server.client('alicia')?.joinedChannels.has('#chan')).toBe(true);
    expect(h.tb.sent.memberships().slice(membershipsBefore)).toEqual([]);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'new nick' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'alicia', kind: 'say', target: '#chan', text: 'new nick' });
    expect(h.messagesIn(roomId)).toHaveLength(0);
  });

  it('!join creates the portal and joins as the user; !listrooms and !part follow it', async () => {
    h = await startHarness();
    const ops = adminBridgeOps(h.connector.bridge);
    const { roomId, alias } = await ops.joinChannel(bob, net, '#new' as never);
    expect(alias).toBe('#irc_net_#new:hs.test');
    await h.settle();
    expect(h.tb.sent.to('createRoom').map((r) => r.body.room_alias_name)).toEqual(['irc_net_#new']);
    expect(h.server.client('bob[m]')?.joinedChannels.has('#new')).toBe(true);
    expect(await ops.listRooms(bob)).toEqual([{ network: 'net', channel: '#new', roomId, alias: '#irc_net_#new:hs.test' }]);
    expect(await ops.partChannel(bob, net, '#new' as never)).toBe(true);
    expect(h.server.client('bob[m]')?.joinedChannels.has('#new')).toBe(false);
    expect(await ops.partChannel(bob, net, '#new' as never)).toBe(false);
    expect(await ops.listRooms(bob)).toEqual([]);
  });

  it('!listrooms names a linked room by its canonical alias, and by nothing when it has none', async () => {
    h = await startHarness({ network: { static_rooms: [{ channel: '#plumbed', room_id: '!plumbed:hs.test' }, { channel: '#bare', room_id: '!bare:hs.test' }] } });
    h.tb.homeserver.model.sendState(ADMIN, '!plumbed:hs.test' as never, 'm.room.canonical_alias', '', { alias: '#ours:hs.test' });
    const ops = adminBridgeOps(h.connector.bridge);
    await ops.joinChannel(bob, net, '#plumbed' as never);
    await ops.joinChannel(bob, net, '#bare' as never);
    expect(await ops.listRooms(bob)).toEqual([
      { network: 'net', channel: '#plumbed', roomId: '!plumbed:hs.test', alias: '#ours:hs.test' },
      { network: 'net', channel: '#bare', roomId: '!bare:hs.test' },
    ]);
  });

  it('!join refuses a channel name the server would refuse, before any JOIN or room', async () => {
    h = await startHarness();
    h.server.isupport = { ...h.server.isupport, channelLength: 20 };
    const ops = adminBridgeOps(h.connector.bridge);
    const long = `#${'x'.repeat(30)}`;
    await expect(ops.joinChannel(bob, net, long as never)).rejects.toThrow(CommandError);
    await expect(ops.joinChannel(bob, net, long as never)).rejects.toThrow(`${long} is too long for this network: channel names may be at most 20 bytes long (this one is 31).`);
    expect(h.server.sent.filter((s) => s.target === long)).toEqual([]);
    expect(h.server.client('bob[m]')?.joinedChannels.has(long) ?? false).toBe(false);
    expect(h.tb.sent.to('createRoom')).toEqual([]);
    expect(await ops.listRooms(bob)).toEqual([]);
  });

  it('!join with a key hands the key to the bot and stores it with the new portal', async () => {
    h = await startHarness();
    h.server.checkKeys = true;
    h.server.channelModes.set('#locked', { flags: 'nt', key: 'sekrit' });
    const ops = adminBridgeOps(h.connector.bridge);
    const { roomId } = await ops.joinChannel(bob, net, '#locked' as never, 'sekrit');
    await h.settle();
    const network = h.connector.bridge.network('net')!;
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#locked')).toBe(true);
    expect(network.bot.wantedEntries).toContainEqual({ channel: '#locked', key: 'sekrit' });
    expect(h.connector.bridge.portals.channelsOfRoom(roomId)).toEqual([expect.objectContaining({ channel: '#locked', key: 'sekrit' })]);
  });

  it('!join with a key gives it to the bot for an existing portal the bot could not enter', async () => {
    h = await startHarness();
    const roomId = await h.portal('#locked');
    const network = h.connector.bridge.network('net')!;
    await h.server.client(BOT_NICK)!.part('#locked');
    h.server.checkKeys = true;
    h.server.channelModes.set('#locked', { flags: 'nt', key: 'sekrit' });
    const ops = adminBridgeOps(h.connector.bridge);
    await ops.joinChannel(bob, net, '#locked' as never, 'sekrit');
    await h.settle();
    expect(h.server.client(BOT_NICK)?.joinedChannels.has('#locked')).toBe(true);
    expect(h.connector.bridge.portals.channelsOfRoom(roomId)).toEqual([expect.objectContaining({ key: 'sekrit' })]);
  });

  it('a command that first connects a user takes their nick from their display name', async () => {
    h = await startHarness();
    h.tb.homeserver.model.addUser(bob, { displayname: 'Bobby' });
    const ops = adminBridgeOps(h.connector.bridge);
    await ops.joinChannel(bob, net, '#new' as never);
    await h.settle();
    expect(h.server.client('Bobby[m]')?.joinedChannels.has('#new')).toBe(true);
  });

  it('!whois of a user who is not connected asks through the bot and leaves them off IRC', async () => {
    h = await startHarness();
    const ops = adminBridgeOps(h.connector.bridge);
    await expect(ops.whois(alice, net, 'nobody' as never)).resolves.toBeUndefined();
    await h.settle();
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(ops.connectedPuppet(alice, net)).toBeUndefined();
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
    expect(h.tb.sent.memberships(room)).toContainEqual(expect.objectContaining({ action: 'join', userId: BOT }));
    expect(h.store.sync.portals.byRoom(room)).toEqual([]);
  });
});

describe('secrets', () => {
  it('never logs the server password or the SASL password', async () => {
    h = await startHarness({ network: { password: 'server-pass-4242', bot: { nick: 'BridgeBot', sasl: { account: 'bot', password: 'sasl-pass-4242' } } } });
    const roomId = await h.portal();
    h.server.failNextConnects(2);
    h.server.dropAll();
    await h.advance(1000);
    // Held until the puppet's connection is through the refusals (hold.ts).
    const said = h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    for (let i = 0; i < 20 && h.server.sent.length === 0; i++) await h.advance(4000);
    await said;
    expect(h.server.sent.map((l) => l.text)).toEqual(['hi']);
    expect(h.server.clients[0]!.options.password).toBe('server-pass-4242');
    const logged = JSON.stringify(h.tb.logs);
    expect(logged.length).toBeGreaterThan(100);
    expect(logged).not.toContain('4242');
  });
});
