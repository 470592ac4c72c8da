// Unit tests on the fakes: channel names the IRC server does not accept get no portal, and a
// portal whose channel the server refused is not retried on reconnect or restart.
import { asRoomAlias } from '@bridgekit/appservice';
import { alice, BOT_NICK, DOMAIN, NETWORK, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const aliasOf = (channel: string) => asRoomAlias(`#irc_${NETWORK}_${channel}:${DOMAIN}`);
const bot = () => h.server.client(BOT_NICK)!;
const notices = (roomId: string) => h.messagesIn(roomId as never).filter((e) => e.content.msgtype === 'm.notice').map((e) => String(e.content.body));

describe('channel names the server announced it refuses (ISUPPORT)', () => {
  it('answers 404 to the alias of a channel longer than CHANNELLEN and creates nothing; a name within the limit works', async () => {
    h = await startHarness();
    h.server.isupport = { ...h.server.isupport, channelLength: 50 };
    const tooLong = `#${'a'.repeat(59)}`;
    expect(await h.connector.onAliasQuery(aliasOf(tooLong))).toBe(false);
    expect(h.tb.sent.to('createRoom')).toHaveLength(0);
    expect(bot().joinedChannels.size).toBe(0);
    expect(h.tb.logLines().some((l) => l.message.startsWith('No portal for a channel name') && String(l.meta.why).includes('at most 50 bytes'))).toBe(true);
    expect(await h.connector.onAliasQuery(aliasOf(`#${'a'.repeat(49)}`))).toBe(true);
    expect(h.tb.sent.to('createRoom')).toHaveLength(1);
  });

  it('answers 404 to a channel type the server does not have (CHANTYPES)', async () => {
    h = await startHarness();
    h.server.isupport = { ...h.server.isupport, chanTypes: '#' };
    expect(await h.connector.onAliasQuery(aliasOf('&local'))).toBe(false);
    expect(h.tb.sent.to('createRoom')).toHaveLength(0);
  });
});

describe('a channel the server refused when the bot joined', () => {
  it('marks the portal refused: one notice, one warning, no rejoin after a reconnect or a restart, 404 for other spellings', async () => {
    h = await startHarness();
    h.server.refuseJoin('#bad', '479', 'Illegal channel name');
    const roomId = await h.portal('#bad');
    await h.settle();
    expect(notices(roomId)).toEqual([expect.stringMatching(/^Test Net refused the channel name #bad \(Illegal channel name, 479\), so this room is not bridged to it\./)]);
    expect(h.tb.logLines().filter((l) => l.message.startsWith('The IRC server refused the channel name'))).toHaveLength(1);
    const network = h.connector.bridge.network(NETWORK)!;
    expect(network.bot.wants('#bad')).toBe(false);
    expect(h.connector.bridge.portals.roomsForChannel(network, '#bad')).toEqual([]);

    const joins = jest.spyOn(bot(), 'join');
    bot().drop();
    await h.advance(10_000);
    expect(bot().isRegistered).toBe(true);
    expect(joins.mock.calls.map(([channel]) => channel)).not.toContain('#bad');
    expect(notices(roomId)).toHaveLength(1);

    expect(await h.connector.onAliasQuery(aliasOf('#BAD'))).toBe(false);
    expect(h.tb.sent.to('createRoom')).toHaveLength(1);

    await h.restart();
    expect(h.connector.bridge.network(NETWORK)!.bot.wants('#bad')).toBe(false);
  });

  it('tells a Matrix user who joins the refused room why nothing is bridged, and does not connect them', async () => {
    h = await startHarness();
    h.server.refuseJoin('#bad', '403', 'No such channel');
    const roomId = await h.portal('#bad');
    await h.matrixEvent(roomId, alice, { membership: 'join' }, 'm.room.member', { stateKey: alice });
    const told = h.messagesIn(roomId).filter((e) => String(e.content.body).startsWith(`${alice}:`));
    expect(told.map((e) => e.content.body)).toEqual([expect.stringContaining('refused the channel name #bad (No such channel, 403)')]);
    expect(h.server.client('alice[m]')).toBeUndefined();
  });

  it('keeps retrying refusals that can change (a ban): they are not refusals of the name', async () => {
    h = await startHarness();
    h.server.refuseJoin('#banned', '474', 'Cannot join channel (+b)');
    await h.portal('#banned');
    const network = h.connector.bridge.network(NETWORK)!;
    expect(network.bot.wants('#banned')).toBe(true);
    expect(h.connector.bridge.portals.roomsForChannel(network, '#banned')).toHaveLength(1);
  });
});
