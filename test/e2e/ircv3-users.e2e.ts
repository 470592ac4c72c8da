/**
 * What the bridge learns about IRC users without asking, on InspIRCd + Atheme: away-notify
 * becomes the ghost's Matrix presence (`away_presence`), account-notify / extended-join keep the
 * services account current (`!whois` answers from it, no WHOIS sent), and chghost changes a
 * user's host with no leave and rejoin of their ghost. A `!whois` the bridge cannot answer itself
 * goes out as a labeled-response WHOIS.
 */
import { readFileSync } from 'node:fs';
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { IRC_NETWORK_ID } from './harness/namespaces';
import { adminRoom, fromBot, nickServ, registerAccount } from './harness/services';
import { delay, pollUntil } from './harness/wait';

const bridge = bridgeForThisFile(() => {
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port, away_presence: true } } } };
});

interface Scene {
  channel: string;
  op: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

/** A portal whose bot is in the channel before anyone else of the scenario joins (so it sees their JOIN). */
async function scene(prefix: string): Promise<Scene> {
  const channel = uniqueChannel(prefix);
  const op = await connectIrc(uniqueNick('op'), { server: 'ircv3' });
  await op.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, op);
  return { channel, op, alice, roomId };
}

/** `nick` joins after the bot and speaks, so its ghost is in the room. */
async function arrives(s: Scene, client: IrcTestClient): Promise<void> {
  await client.join(s.channel);
  client.say(s.channel, `${client.nick} is here`);
  await s.alice.client.waitForMessage(s.roomId, `${client.nick} is here`);
}

const adminRooms = new Map<MatrixTestUser, Promise<string>>();

/** `!whois nick` in the user's admin room (opened once); resolves with the bot's answer. */
async function whois(user: MatrixTestUser, nick: string, expected: RegExp): Promise<string> {
  if (!adminRooms.has(user)) adminRooms.set(user, adminRoom(user));
  const admin = await adminRooms.get(user)!;
  const after = await user.client.syncPosition();
  await user.client.sendText(admin, `!whois ${nick}`);
  return String((await user.client.waitForEvent(admin, fromBot(expected), 30_000, after)).content.body);
}

it('away-notify: an IRC user going away makes their ghost unavailable with the away message for as long as they are away, and online when back', async () => {
  const s = await scene('away');
  const carol = await connectIrc(uniqueNick('carol'), { server: 'ircv3' });
  await arrives(s, carol);
  const ghost = ghostUserId(carol.nick);
  carol.sendRaw('AWAY :out for lunch');
  const away = await pollUntil(async () => {
    const p = await s.alice.client.presenceOf(ghost);
    return p.presence === 'unavailable' ? p : undefined;
  }, { what: `${ghost} to be unavailable`, timeoutMs: 20_000, intervalMs: 250 });
  expect(away.status_msg).toBe('out for lunch');
  // Synapse times out the presence of users that do not sync after 30 s; the bridge refreshes it.
  await delay(40_000);
  expect(await s.alice.client.presenceOf(ghost)).toMatchObject({ presence: 'unavailable', status_msg: 'out for lunch' });
  carol.sendRaw('AWAY');
  const back = await pollUntil(async () => {
    const p = await s.alice.client.presenceOf(ghost);
    return p.presence === 'online' ? p : undefined;
  }, { what: `${ghost} to be online again`, timeoutMs: 20_000, intervalMs: 250 });
  expect(back.status_msg ?? undefined).toBeUndefined();
});

it('account-notify: a user who identifies to NickServ mid-session is known by their account, with no WHOIS', async () => {
  const s = await scene('acct');
  const account = await registerAccount();
  const dave = await connectIrc(account.account, { server: 'ircv3' });
  await arrives(s, dave);
  const before = await whois(s.alice, dave.nick, /as the bridge sees it/);
  expect(before).not.toContain('Logged in as');
  await nickServ(dave, `IDENTIFY ${account.password}`, /now logged in|identified/i);
  const after = await pollUntil(async () => {
    const answer = await whois(s.alice, dave.nick, /as the bridge sees it/);
    return answer.includes('Logged in as') ? answer : undefined;
  }, { what: 'the bridge to know the account', timeoutMs: 20_000, intervalMs: 500 });
  expect(after).toContain(`Logged in as: ${account.account}`);
  expect(after).toContain(`${s.channel}`);
});

it('extended-join: a user logged in with SASL who joins is known by their account from the JOIN itself', async () => {
  const s = await scene('xjoin');
  const account = await registerAccount();
  const gina = await connectIrc(account.account, { server: 'ircv3', sasl: account });
  await gina.join(s.channel);
  await s.op.waitForMember(s.channel, gina.nick);
  const answer = await pollUntil(async () => {
    const text = await whois(s.alice, gina.nick, new RegExp(gina.nick));
    return text.includes('as the bridge sees it') ? text : undefined;
  }, { what: 'the bridge to know gina from her JOIN', timeoutMs: 15_000, intervalMs: 500 });
  expect(answer).toContain(`Logged in as: ${account.account}`);
});

it('chghost: an oper changing a user\'s host updates the bridge\'s view, and their ghost neither leaves nor rejoins', async () => {
  const s = await scene('chghost');
  const erin = await connectIrc(uniqueNick('erin'), { server: 'ircv3' });
  await arrives(s, erin);
  const ghost = ghostUserId(erin.nick);
  const start = await s.alice.client.syncPosition();
  const { oper } = readE2eEnv().ircv3;
  s.op.sendRaw(`OPER ${oper.name} ${oper.password}`);
  await s.op.waitForRawLine((l) => / 381 /.test(l));
  s.op.sendRaw(`CHGHOST ${erin.nick} cloaked.e2e.test`);
  const answer = await pollUntil(async () => {
    const text = await whois(s.alice, erin.nick, /as the bridge sees it/);
    return text.includes('@cloaked.e2e.test') ? text : undefined;
  }, { what: 'the bridge to see the new host', timeoutMs: 20_000, intervalMs: 500 });
  expect(answer).toContain(`${erin.nick}!`);
  // The ghost stayed: a line after the change comes from it, and no membership change came in between.
  erin.say(s.channel, 'still here');
  await s.alice.client.waitForMessage(s.roomId, 'still here', undefined, start);
  const timeline = await s.alice.client.roomTimeline(s.roomId);
  const arrived = timeline.findIndex((e) => e.content.body === `${erin.nick} is here`);
  expect(arrived).toBeGreaterThanOrEqual(0);
  const since = timeline.slice(arrived);
  expect(since.some((e) => e.content.body === 'still here' && e.sender === ghost)).toBe(true);
  expect(since.filter((e) => e.type === 'm.room.member' && e.state_key === ghost)).toEqual([]);
});

it('labeled-response: a !whois the bridge cannot answer itself is a labeled WHOIS, for someone online and for nobody', async () => {
  const s = await scene('label');
  const connected = readFileSync(bridge().process.logPath, 'utf8').split('\n').find((l) => l.includes('Connected to IRC') && l.includes('"connection":"bot"'));
  expect(connected).toMatch(/"capabilities":"[^"]*\blabeled-response\b/);
  // Not in any channel of the bot: only the server knows them.
  const frank = await connectIrc(uniqueNick('frank'), { server: 'ircv3' });
  frank.sendRaw('AWAY :on a train');
  await frank.waitForRawLine((l) => / 306 /.test(l));
  const answer = await whois(s.alice, frank.nick, new RegExp(frank.nick));
  expect(answer).not.toContain('as the bridge sees it');
  expect(answer).toContain('Away: on a train');
  expect(answer).toContain(`Server: ${readE2eEnv().ircv3.serverName}`);
  const nobody = uniqueNick('nobody');
  expect(await whois(s.alice, nobody, new RegExp(nobody))).toMatch(/^No such nick/);
});
