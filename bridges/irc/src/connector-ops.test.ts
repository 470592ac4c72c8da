// The IRC connector as an admin operates it: readiness for /ready, the QUIT message at shutdown,
// and a config reload that changes what it can without dropping a connection.
import { IRC_CONFIG_SECTION } from './config/parse';
import { bridgeConfig } from './testing/fake-bridge';
import { alice, BOT_NICK, startHarness, testIrcSection, type Harness } from './testing/harness';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('readiness', () => {
  it('is ready only while every network bot is connected, naming each network\'s state', async () => {
    h = await startHarness({ moreNetworks: { other: { host: 'irc.other', tls: false, bot: { nick: 'OtherBot' } } } });
    expect(h.connector.readiness()).toEqual({ ready: true, details: { networks: { net: 'connected', other: 'connected' } } });
    h.server.client('OtherBot')!.drop();
    await h.settle();
    expect(h.connector.readiness()).toEqual({ ready: false, details: { networks: { net: 'connected', other: 'backoff' } } });
  });
});

describe('shutdown', () => {
  it('QUITs the bot and every user with the configured message', async () => {
    h = await startHarness({ network: { quit_message: 'Bridge upgrading, back in a minute' } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const bot = h.server.client(BOT_NICK)!;
    const puppet = h.server.client('alice[m]')!;
    const botQuit = jest.spyOn(bot, 'quit');
    const puppetQuit = jest.spyOn(puppet, 'quit');
    await h.connector.stop();
    expect(botQuit).toHaveBeenCalledWith('Bridge upgrading, back in a minute');
    expect(puppetQuit).toHaveBeenCalledWith('Bridge upgrading, back in a minute');
  });
});

describe('config reload', () => {
  it('applies limits, keepalive, permissions, a new network and a new static room without reconnecting anyone, and names what needs a restart', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const bot = h.server.client(BOT_NICK)!;
    const puppet = h.server.client('alice[m]')!;
    const connectsBefore = [bot.connects, puppet.connects];

    const next = IRC_CONFIG_SECTION.read(bridgeConfig(testIrcSection(
      {
        host: 'irc.elsewhere', flood: { burst: 9, lines_per_second: 3 }, keepalive: { ping_interval_seconds: 45, ping_timeout_seconds: 90 },
        static_rooms: [{ channel: '#static', room_id: '!static:example.org' }],
      },
      { permissions: { '@boss:example.org': 'admin' } },
      { added: { host: 'irc.added', tls: false, bot: { nick: 'AddedBot' } } },
    ), h.bridge.dir));
    const outcome = await h.connector.reload(next);
    await h.settle();

    expect(outcome.applied).toEqual(expect.arrayContaining([
      'irc.permissions', 'irc.networks.net.flood', 'irc.networks.net.keepalive', 'irc.networks.net.static_rooms', 'irc.networks.added (new network)',
    ]));
    expect(outcome.needsRestart).toEqual(['irc.networks.net.host']);
    const live = { flood: { capacity: 9, refillPerSecond: 3, maxQueued: 200 }, pingIntervalSeconds: 45, pingTimeoutSeconds: 90 };
    expect(bot.appliedSettings).toEqual(live);
    expect(puppet.appliedSettings).toEqual(live);
    expect([bot.connects, puppet.connects]).toEqual(connectsBefore);
    expect(bot.isRegistered && puppet.isRegistered).toBe(true);
    expect(bot.joinedChannels.has('#static')).toBe(true);
    expect(h.server.client('AddedBot')?.isRegistered).toBe(true);
    expect(h.connector.config.permissions).toEqual({ '@boss:example.org': 'admin' });
    expect(h.connector.readiness().details).toEqual({ networks: { net: 'connected', added: 'connected' } });
  });
});
