/**
 * SASL PLAIN against real services (InspIRCd + Atheme): the bot logs in to the account in its
 * config, a Matrix user's connection logs in with the password they stored (`!storepass`), and a
 * wrong password is told to the user once, without reconnecting over and over.
 */
import { readFileSync } from 'node:fs';
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, BOT_NICK, joinPortal, matrixUser, uniqueChannel } from './harness/irc-bridge';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { IRC_NETWORK_ID, senderUserId } from './harness/namespaces';
import { accountOf, adminRoom, fromBot, registerAccount, type ServicesAccount } from './harness/services';
import { delay } from './harness/wait';

let botAccount: ServicesAccount;
const bridge = bridgeForThisFile(async () => {
  botAccount = await registerAccount(uniqueNick('botacct'));
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port, bot: { sasl: { account: botAccount.account, password: botAccount.password } } } } } };
});


it('the bot logs in to its services account with SASL PLAIN', async () => {
  const observer = await connectIrc(uniqueNick('obs'), { server: 'ircv3' });
  expect(await accountOf(observer, BOT_NICK)).toBe(botAccount.account);
});

it('a Matrix user with a stored password is logged in with SASL PLAIN, and the password is never logged', async () => {
  const alice = await matrixUser();
  const account = await registerAccount(alice.nick);
  const channel = uniqueChannel('sasl');
  const observer = await connectIrc(uniqueNick('obs'), { server: 'ircv3' });
  await observer.join(channel);
  const admin = await adminRoom(alice);
  await alice.client.sendText(admin, `!storepass ${account.password}`);
  await alice.client.waitForEvent(admin, fromBot(/^Stored your password/));
  const roomId = await joinPortal(alice.client, channel, observer);
  await alice.client.sendText(roomId, 'logged in?');
  const line = await observer.waitForMessage((m) => m.message === 'logged in?');
  expect(line.tags.account).toBe(account.account);
  expect(await accountOf(observer, alice.nick)).toBe(account.account);
  expect(readFileSync(bridge().process.logPath, 'utf8')).not.toContain(account.password);
});

it('a wrong stored password is told to the user once, and the bridge does not keep reconnecting', async () => {
  const bob = await matrixUser('b');
  const account = await registerAccount(bob.nick);
  const admin = await adminRoom(bob);
  await bob.client.sendText(admin, `!storepass ${account.password}-wrong`);
  await bob.client.waitForEvent(admin, fromBot(/^Stored your password/));
  const after = await bob.client.syncPosition();
  await bob.client.sendText(admin, '!reconnect');
  const answer = await bob.client.waitForEvent(admin, (e) => e.sender === senderUserId() && !/^Reconnecting/.test(String(e.content.body)), 30_000, after);
  expect(String(answer.content.body)).toMatch(/password/i);
  // Longer than the configured reconnect backoff (0.5 s, at most 5 s): a loop would show by now.
  await delay(6_000);
  const log = readFileSync(bridge().process.logPath, 'utf8');
  const attempts = log.split('\n').filter((l) => l.includes(bob.client.userId) && /IRC connection (attempt failed|refused)/.test(l));
  expect(attempts).toHaveLength(1);
  const timeline = await bob.client.roomTimeline(admin);
  const fromBotSince = timeline.slice(timeline.findIndex((e) => e.event_id === answer.event_id)).filter((e) => e.sender === senderUserId());
  expect(fromBotSince.map((e) => e.content.body)).toEqual([answer.content.body]);
});

it('!whois shows the services account an IRC user is logged in to, and that they are away', async () => {
  const account = await registerAccount();
  const carol = await connectIrc(account.account, { server: 'ircv3', sasl: account });
  carol.sendRaw('AWAY :out for lunch');
  await carol.waitForRawLine((l) => / 306 /.test(l));
  const dave = await matrixUser('d');
  const admin = await adminRoom(dave);
  const after = await dave.client.syncPosition();
  await dave.client.sendText(admin, `!whois ${carol.nick}`);
  const answer = await dave.client.waitForEvent(admin, fromBot(/Logged in as|No such nick/), 30_000, after);
  expect(String(answer.content.body)).toContain(`Logged in as: ${account.account}`);
  expect(String(answer.content.body)).toContain('Away: out for lunch');
});
