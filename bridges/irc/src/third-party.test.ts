// Unit tests of the `irc` third-party protocol: metadata, channel and nick lookups both ways.
// The connector runs in a real Bridge against the core's test kit (an in-process homeserver).
import { asRoomAlias, asRoomId, asUserId } from '@bridgekit/appservice';
import { ADMIN, ALIAS, BOT, CHANNEL, DOMAIN, ghostOf, NETWORK, startHarness, type Harness } from './testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const tp = () => h.connector.thirdParty;
const location = (channel: string, alias = `#irc_${NETWORK}_${channel}:${DOMAIN}`) => ({ alias, protocol: 'irc', fields: { network: NETWORK, channel } });

describe('protocol metadata', () => {
  it('has one instance per network, the spec\'s fields with types, and no icon unless one is configured', async () => {
    h = await startHarness({ moreNetworks: { other: { name: 'Other Net', host: 'other.test', tls: false, bot: { nick: 'OtherBot' } } } });
    const irc = tp().protocols.irc!;
    expect(irc.userFields).toEqual(['network', 'nickname']);
    expect(irc.locationFields).toEqual(['network', 'channel']);
    expect(Object.keys(irc.fieldTypes).sort()).toEqual(['channel', 'network', 'nickname']);
    for (const { regexp, placeholder } of Object.values(irc.fieldTypes)) expect(new RegExp(`^(?:${regexp})$`).test(placeholder)).toBe(true);
    expect(new RegExp(`^(?:${irc.fieldTypes.nickname!.regexp})$`).test('alice[m]')).toBe(true);
    expect(new RegExp(`^(?:${irc.fieldTypes.channel!.regexp})$`).test('#a b')).toBe(false);
    expect(irc.instances).toEqual([
      { networkId: NETWORK, desc: 'Test Net', fields: { network: NETWORK } },
      { networkId: 'other', desc: 'Other Net', fields: { network: 'other' } },
    ]);
    expect(irc.icon).toBeUndefined();
  });

  it('carries the configured mxc:// icon', async () => {
    h = await startHarness({ top: { protocol_icon: 'mxc://hs.test/ircicon' } });
    expect(tp().protocols.irc!.icon).toBe('mxc://hs.test/ircicon');
  });
});

describe('locations', () => {
  it('answers a bridged channel with its portal alias, and a channel not bridged yet with the alias that would open it', async () => {
    h = await startHarness();
    await h.portal();
    expect(await tp().locations('irc', { network: NETWORK, channel: CHANNEL })).toEqual([location(CHANNEL, ALIAS)]);
    expect(await tp().locations('irc', { network: NETWORK, channel: '#new' })).toEqual([location('#new')]);
    // With one network the client may leave it out.
    expect(await tp().locations('irc', { channel: '#new' })).toEqual([location('#new')]);
    expect(h.tb.sent.to('createRoom')).toHaveLength(1);
  });

  it('answers a plumbed room with its canonical alias, and nothing for one without', async () => {
    h = await startHarness({ network: { static_rooms: [{ channel: '#plumbed', room_id: `!plumbed:${DOMAIN}` }, { channel: '#bare', room_id: `!bare:${DOMAIN}` }] } });
    // Plumbed rooms exist before the bridge (the harness has an admin make them); the bot is in them and reads their canonical alias.
    const { model } = h.tb.homeserver;
    model.sendState(ADMIN, asRoomId(`!plumbed:${DOMAIN}`), 'm.room.canonical_alias', '', { alias: `#ours:${DOMAIN}` });
    for (const room of ['!plumbed', '!bare']) expect(model.room(asRoomId(`${room}:${DOMAIN}`)).membership(BOT)).toBe('join');
    expect(await tp().locations('irc', { network: NETWORK, channel: '#Plumbed' })).toEqual([
      { alias: `#ours:${DOMAIN}`, protocol: 'irc', fields: { network: NETWORK, channel: '#Plumbed' } },
    ]);
    expect(await tp().locations('irc', { network: NETWORK, channel: '#bare' })).toEqual([]);
  });

  it('finds nothing for unknown networks, bad or refused channel names, and channels it may not open', async () => {
    h = await startHarness({ network: { dynamic_portals: false } });
    h.server.isupport = { ...h.server.isupport, channelLength: 20 };
    expect(await tp().locations('irc', { network: 'nope', channel: '#a' })).toEqual([]);
    expect(await tp().locations('irc', { network: NETWORK, channel: 'no-prefix' })).toEqual([]);
    expect(await tp().locations('irc', { network: NETWORK, channel: '#a b' })).toEqual([]);
    expect(await tp().locations('irc', { network: NETWORK })).toEqual([]);
    expect(await tp().locations('irc', { network: NETWORK, channel: `#${'x'.repeat(30)}` })).toEqual([]);
    expect(await tp().locations('irc', { network: NETWORK, channel: '#fine' })).toEqual([]); // dynamic portals off
  });

  it('answers a portal alias with its network and channel; other aliases with nothing', async () => {
    h = await startHarness();
    expect(await tp().locationsByAlias(ALIAS)).toEqual([location(CHANNEL, ALIAS)]);
    expect(await tp().locationsByAlias(asRoomAlias(`#random:${DOMAIN}`))).toEqual([]);
    expect(await tp().locationsByAlias(asRoomAlias(`#irc_${NETWORK}_${CHANNEL}:elsewhere.test`))).toEqual([]);
  });
});

describe('users', () => {
  it('answers a nick with its ghost, and the nick of a Matrix user\'s own connection with that Matrix user', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const alice = h.tb.user('alice');
    await h.tb.join(alice, roomId);
    await h.tb.push.message(roomId, alice, 'hi');
    await h.settle();
    expect(await tp().users('irc', { network: NETWORK, nickname: 'Carol' })).toEqual([
      { userId: ghostOf('Carol'), protocol: 'irc', fields: { network: NETWORK, nickname: 'Carol' } },
    ]);
    expect(await tp().users('irc', { network: NETWORK, nickname: 'alice[m]' })).toEqual([
      { userId: alice, protocol: 'irc', fields: { network: NETWORK, nickname: 'alice[m]' } },
    ]);
    expect(await tp().users('irc', { network: NETWORK, nickname: 'not a nick' })).toEqual([]);
    expect(await tp().users('irc', { network: 'nope', nickname: 'Carol' })).toEqual([]);
  });

  it('answers a ghost with its nick (after a rename, the new one) and a Matrix user with their IRC nick', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    const alice = h.tb.user('alice');
    await h.tb.join(alice, roomId);
    await h.tb.push.message(roomId, alice, 'hi');
    await h.settle();
    expect(await tp().usersByUserId(ghostOf('Carol'))).toEqual([{ userId: ghostOf('Carol'), protocol: 'irc', fields: { network: NETWORK, nickname: 'Carol' } }]);
    h.server.userJoins('dave', CHANNEL);
    h.server.userSays('dave', CHANNEL, 'hello');
    await h.settle();
    h.server.userChangesNick('dave', 'david');
    await h.settle();
    expect(await tp().usersByUserId(ghostOf('dave'))).toEqual([{ userId: ghostOf('dave'), protocol: 'irc', fields: { network: NETWORK, nickname: 'david' } }]);
    expect(await tp().usersByUserId(alice)).toEqual([{ userId: alice, protocol: 'irc', fields: { network: NETWORK, nickname: 'alice[m]' } }]);
    expect(await tp().usersByUserId(asUserId(`@stranger:${DOMAIN}`))).toEqual([]);
  });
});
