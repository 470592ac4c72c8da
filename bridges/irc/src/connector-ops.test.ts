// The IRC connector as an admin operates it: readiness for /ready, the QUIT message at shutdown,
// and a config reload that changes what it can without dropping a connection.
import { IRC_CONFIG_SECTION } from './config/parse';
import { sourceAddressFailure } from './irc/source-address-failure';
import { asRoomAlias, type RoomId, type UserId } from '@bridgekit/appservice';
import { createTestConfig } from '@bridgekit/appservice/testing';
import { alice, bob, BOT_NICK, DOMAIN, startHarness, testIrcSection, type Harness } from './testing/harness';

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
    await h.stop();
    h = undefined;
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

    const next = IRC_CONFIG_SECTION.read(createTestConfig({ irc: testIrcSection(
      {
        host: 'irc.elsewhere', flood: { burst: 9, lines_per_second: 3 }, keepalive: { ping_interval_seconds: 45, ping_timeout_seconds: 90 },
        static_rooms: [{ channel: '#static', room_id: '!static:example.org' }],
      },
      { permissions: { '@boss:example.org': 'admin' } },
      { added: { host: 'irc.added', tls: false, bot: { nick: 'AddedBot' } } },
    ) }, { dir: h.tb.dir }));
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
    expect(h.connector.thirdParty.protocols.irc!.instances.map((i) => i.networkId)).toEqual(['net', 'added']);
  });
});

describe('config reload of the IPv6 prefix and the identd', () => {
  it('gives the next connection an address of a newly set prefix without touching the open one; the identd needs a restart', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    const puppet = h.server.client('alice[m]')!;
    expect(await puppet.options.sourceAddress?.()).toBeUndefined();

    const next = IRC_CONFIG_SECTION.read(createTestConfig({ irc: testIrcSection(
      { ipv6: { prefix: '2001:db8:7::/64' } },
      { ident: { enabled: true, port: 1130 } },
    ) }, { dir: h.tb.dir }));
    const outcome = await h.connector.reload(next);
    expect(outcome.applied).toContain('irc.networks.net.ipv6');
    expect(outcome.needsRestart).toEqual(['irc.ident']);
    // The open connection stays as it is; the address is asked at the next connect.
    expect(puppet.connects).toBe(1);
    expect(await puppet.options.sourceAddress?.()).toBe('2001:db8:7::1');
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hi too' });
    expect(await h.server.client('bob[m]')!.options.sourceAddress?.()).toBe('2001:db8:7::2');
  });
});

describe('a source address the host cannot bind', () => {
  it('tells the sender one sentence and logs the two commands that fix it', async () => {
    h = await startHarness({ network: { ipv6: { prefix: 'fd42:1::/64' } } });
    const roomId = await h.portal();
    const bindError = Object.assign(new Error('connect EADDRNOTAVAIL fd42:1::1'), { code: 'EADDRNOTAVAIL' });
    h.server.failNextConnects(1, sourceAddressFailure(bindError, 'fd42:1::1')!);
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello?' });
    expect(noticesTo(roomId, alice)).toEqual([
      `${alice}: Your message was not delivered to #chan on Test Net: The bridge cannot connect you to IRC from your own address right now; the bridge admin has been told what to fix.`,
    ]);
    const logged = h.tb.logLines().filter((l) => JSON.stringify(l.meta).includes('ip -6 route add local <prefix> dev lo'));
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(logged[0]!.meta)).toContain('sysctl -w net.ipv6.ip_nonlocal_bind=1');
  });
});

describe('stale messages', () => {
  it('does not send a Matrix message older than max_age_seconds to IRC, and tells the sender in one sentence', async () => {
    h = await startHarness({ network: { messages: { max_age_seconds: 600 } } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'fresh' });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'from before the outage' }, 'm.room.message', { originServerTs: h.clock.now() - 2 * 3600_000 });
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'just under the limit' }, 'm.room.message', { originServerTs: h.clock.now() - 590_000 });
    expect(h.server.sent.filter((l) => l.from === 'alice[m]').map((l) => l.text)).toEqual(['fresh', 'just under the limit']);
    expect(noticesTo(roomId, alice)).toEqual([
      `${alice}: Your message was not sent to IRC because it reached the bridge 2 hours late (after an outage); send it again if it still matters.`,
    ]);
  });
});

describe('access lists', () => {
  it('creates no portal for an excluded channel, and refuses an excluded user with a sentence in the room', async () => {
    h = await startHarness({ network: { access: { exclude_channels: ['#secret*'], exclude_users: ['@bob:*'] } } });
    expect(await h.connector.onAliasQuery(asRoomAlias(`#irc_net_#secret-ops:${DOMAIN}`))).toBe(false);
    expect(h.tb.sent.to('createRoom')).toEqual([]);
    const roomId = await h.portal();
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'let me in' }).catch(() => undefined);
    expect(h.server.client('bob[m]')).toBeUndefined();
    expect(noticesTo(roomId, bob)).toEqual([
      `${bob}: Your message was not delivered to #chan on Test Net: The bridge's admin does not allow your account to use Test Net.`,
    ]);
  });
});

describe('portal room controls', () => {
  it('creates portals with the configured room version, join rule and federation', async () => {
    h = await startHarness({ network: { portal_rooms: { room_version: '11', join_rule: 'knock', federate: false } } });
    const roomId = await h.portal();
    const { body } = h.tb.sent.to('createRoom')[0]!;
    expect(body.room_version).toBe('11');
    expect(body.creation_content).toEqual({ 'm.federate': false });
    expect(body.initial_state).toContainEqual(expect.objectContaining({ type: 'm.room.join_rules', content: { join_rule: 'knock' } }));
    expect(h.tb.homeserver.model.room(roomId).version).toBe('11');
    expect(h.stateOf(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'knock' });
  });
});

function noticesTo(roomId: RoomId, userId: UserId): string[] {
  return h!.messagesIn(roomId)
    .filter((e) => e.content.msgtype === 'm.notice' && (e.content['m.mentions'] as { user_ids?: string[] } | undefined)?.user_ids?.includes(userId))
    .map((e) => String(e.content.body));
}
