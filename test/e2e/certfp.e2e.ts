/**
 * SASL EXTERNAL with CertFP against real services (InspIRCd's TLS port + Atheme): the bridge
 * makes a client certificate per user and network, `!certfp` shows its fingerprint, the user adds
 * it to their NickServ account, and their connection then logs in without a stored password.
 * Before the fingerprint is on the account the user still connects, just not logged in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, matrixUser } from './harness/irc-bridge';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { IRC_NETWORK_ID, senderUserId } from './harness/namespaces';
import { accountOf, adminRoom, fromBot, nickServ, registerAccount } from './harness/services';

const bridge = bridgeForThisFile(() => {
  const { host, tlsPort } = readE2eEnv().ircv3;
  // The test network's certificate is self-signed for its name, not for 127.0.0.1.
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port: tlsPort, tls: true, tls_reject_unauthorized: false } } } };
});

async function askFingerprint(client: Awaited<ReturnType<typeof matrixUser>>['client'], admin: string): Promise<string> {
  const after = await client.syncPosition();
  await client.sendText(admin, '!certfp');
  const answer = await client.waitForEvent(admin, fromBot(/fingerprint/), 15_000, after);
  const fingerprint = /\b([0-9a-f]{64})\b/.exec(String(answer.content.body))?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in: ${String(answer.content.body)}`);
  return fingerprint;
}

/** `!reconnect`; resolves with the nick the bridge says the user is connected as. */
async function reconnect(client: Awaited<ReturnType<typeof matrixUser>>['client'], admin: string): Promise<string> {
  const after = await client.syncPosition();
  await client.sendText(admin, '!reconnect');
  const answer = await client.waitForEvent(admin, (e) => e.sender === senderUserId() && !/^Reconnecting/.test(String(e.content.body)), 30_000, after);
  const nick = /^Reconnected to .* as (\S+)\.$/.exec(String(answer.content.body))?.[1];
  if (!nick) throw new Error(`!reconnect did not reconnect: ${String(answer.content.body)}`);
  return nick;
}

it('with its fingerprint on the NickServ account, a user logs in with SASL EXTERNAL and no stored password', async () => {
  const alice = await matrixUser();
  const account = await registerAccount(alice.nick);
  const admin = await adminRoom(alice);
  const fingerprint = await askFingerprint(alice.client, admin);
  // Asking again shows the same certificate: the one on the account stays valid.
  expect(await askFingerprint(alice.client, admin)).toBe(fingerprint);

  const owner = await connectIrc(uniqueNick('owner'), { server: 'ircv3', sasl: account });
  await nickServ(owner, `CERT ADD ${fingerprint}`, /added/i);
  await owner.quit();

  // Connected from the admin room, before any display name is known: the nick comes from the user ID.
  const nick = await reconnect(alice.client, admin);
  const observer = await connectIrc(uniqueNick('obs'), { server: 'ircv3' });
  expect(await accountOf(observer, nick)).toBe(account.account);
  // The private key is stored sealed, never as PEM.
  expect(readFileSync(join(bridge().config.dir, 'bridge.db')).includes('PRIVATE KEY')).toBe(false);
});

it('a certificate not on any account leaves the user connected, not logged in', async () => {
  const bob = await matrixUser('b');
  const admin = await adminRoom(bob);
  await askFingerprint(bob.client, admin);
  const nick = await reconnect(bob.client, admin);
  const observer = await connectIrc(uniqueNick('obs'), { server: 'ircv3' });
  expect(await accountOf(observer, nick)).toBeUndefined();
});
