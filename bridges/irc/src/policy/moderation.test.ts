// Unit tests (a real Bridge on the core's test kit with its real policy lists, following a policy
// room on the kit's homeserver; the fake IRC server) of moderation policy lists applied to IRC
// connections.
import type { RoomId, UserId } from '@bridgekit/appservice';
import { ADMIN, alice, bob, CHANNEL, DOMAIN, POLICY_ROOM, startHarness as startIrcHarness, type Harness } from '../testing/harness';
import { BANNED_NOTICE } from './moderation';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const startHarness = () => startIrcHarness({ policyList: true });
const ircLinesOf = (nick: string) => h.server.linesFrom(nick);
const noticesTo = (roomId: RoomId, userId: UserId) => h.noticesTo(roomId, userId);

/** The list's moderator bans `entity` under the rule `stateKey`, or without `entity` removes the rule (empty content, as the spec says). */
async function policyRule(kind: 'user' | 'server', stateKey: string, entity?: string, reason = 'spam'): Promise<void> {
  await h.tb.push.state(POLICY_ROOM, ADMIN, `m.policy.rule.${kind}`, stateKey, entity === undefined ? {} : { entity, recommendation: 'm.ban', reason });
  await h.settle();
}
const say = (roomId: RoomId, sender: UserId, body: string) => h.matrixEvent(roomId, sender, { msgtype: 'm.text', body });
async function refusals(action: string): Promise<number> {
  const metric = await h.tb.bridge.metrics.registry.getSingleMetric('bridgekit_irc_policy_refusals_total')!.get();
  return metric.values.filter((v) => v.labels.action === action).reduce((n, v) => n + v.value, 0);
}

describe('a Matrix user banned by a moderation policy list', () => {
  it('gets no IRC connection: messages are not said, they are told once, and a removed rule lets them through', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await policyRule('user', 'rule:alice', alice, 'spam waves');
    await say(roomId, alice, 'first');
    await say(roomId, alice, 'second');
    await say(roomId, bob, 'bob is fine');
    expect(ircLinesOf('alice[m]')).toEqual([]);
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(ircLinesOf('bob[m]')).toEqual(['bob is fine']);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: ${BANNED_NOTICE}`]);
    expect(BANNED_NOTICE).toMatch(/you are banned from using this bridge by a moderation list/);
    expect(await refusals('message')).toBe(2);
    // For admins: the decision with its rule.
    expect(h.tb.logLines().some((l) => l.message.startsWith('Refused a Matrix user banned by a moderation policy list')
      && l.meta?.userId === alice && l.meta?.entity === alice && l.meta?.reason === 'spam waves')).toBe(true);

    await policyRule('user', 'rule:alice');
    await say(roomId, alice, 'back again');
    expect(ircLinesOf('alice[m]')).toEqual(['back again']);
  });

  it('is matched by a server glob; users of other servers are not', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await policyRule('server', 'rule:evil', '*.evil.example');
    const mallory = `@mallory:chat.evil.example` as UserId;
    await say(roomId, mallory, 'hi');
    await say(roomId, alice, 'hello');
    expect(h.server.sent.filter((l) => l.text === 'hi')).toEqual([]);
    expect(noticesTo(roomId, mallory)).toEqual([`${mallory}: ${BANNED_NOTICE}`]);
    expect(ircLinesOf('alice[m]')).toEqual(['hello']);
  });

  it('is not joined to the channel when they join the portal', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await policyRule('user', 'rule:alice', `@ali*:${DOMAIN}`);
    await h.matrixEvent(roomId, alice, { membership: 'join' }, 'm.room.member', { stateKey: alice });
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(await refusals('join')).toBe(1);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: ${BANNED_NOTICE}`]);
  });

  it('loses an open connection (QUIT) when a ban arrives, and is told again when banned anew after a lift', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await say(roomId, alice, 'before the ban');
    const client = h.server.client('alice[m]');
    expect(client?.isRegistered).toBe(true);
    await policyRule('user', 'rule:alice', alice);
    await h.settle();
    expect(client?.isRegistered).toBe(false);
    expect(h.server.client('alice[m]')).toBeUndefined();
    expect(await refusals('quit')).toBe(1);
    // Nobody else's connection is touched.
    await say(roomId, bob, 'still here');
    expect(ircLinesOf('bob[m]')).toEqual(['still here']);

    await say(roomId, alice, 'after the ban');
    await policyRule('user', 'rule:alice');
    await policyRule('user', 'rule:alice2', alice, 'again');
    await say(roomId, alice, 'banned anew');
    expect(ircLinesOf('alice[m]')).toEqual(['before the ban']);
    expect(noticesTo(roomId, alice)).toEqual([`${alice}: ${BANNED_NOTICE}`, `${alice}: ${BANNED_NOTICE}`]);
  });

  it('is refused by the connection pool itself (a !join, a restart restore): no connection is made', async () => {
    h = await startHarness();
    await policyRule('user', 'rule:alice', alice);
    const network = h.connector.bridge.networks()[0]!;
    await expect(network.puppets.joinChannel({ userId: alice }, CHANNEL)).rejects.toMatchObject({ code: 'IRC_USER_BANNED' });
    expect(h.server.clients.filter((c) => c.isRegistered).map((c) => c.nick)).not.toContain('alice[m]');
    expect(await refusals('connect')).toBe(1);
  });
});
