/**
 * !storepass on a network whose server has no SASL (ngIRCd), with the default `auth: auto`: the
 * next connection registers without SASL and identifies to NickServ instead. ngIRCd has no
 * services, so an IRC test client takes the nick NickServ to see the IDENTIFY arrive.
 */
import { readFileSync } from 'node:fs';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { joinPortal, matrixUser, bridgeForThisFile, uniqueChannel } from './harness/irc-bridge';
import { senderUserId } from './harness/namespaces';

const bridge = bridgeForThisFile();

it('after !storepass and !reconnect on a server without SASL, the user identifies to NickServ, stays connected and can talk', async () => {
  const password = `s3cret-${uniqueNick('pw')}`;
  const nickServ = await connectIrc('NickServ');
  const channel = uniqueChannel('sasl');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  await alice.client.sendText(roomId, 'hi');
  await irc.waitForMessage((m) => m.message === 'hi');
  const admin = await alice.client.createRoom({ invite: [senderUserId()], isDirect: true, preset: 'trusted_private_chat' });
  await alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /admin room/i.test(String(e.content.body)));
  await alice.client.sendText(admin, `!storepass ${password}`);
  await alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && /^Stored your password/.test(String(e.content.body)));
  const after = await alice.client.syncPosition();
  await alice.client.sendText(admin, '!reconnect');
  const answer = await alice.client.waitForEvent(admin, (e) => e.sender === senderUserId() && !/^Reconnecting/.test(String(e.content.body)), 30_000, after);
  expect(String(answer.content.body)).toMatch(/^Reconnected to .* as /);
  const identify = await nickServ.waitForMessage((m) => m.message.startsWith('IDENTIFY'));
  expect(identify).toMatchObject({ nick: alice.nick, target: 'NickServ', message: `IDENTIFY ${password}` });
  await alice.client.sendText(roomId, 'still here after storing a password');
  await irc.waitForMessage((m) => m.message === 'still here after storing a password');
  expect(readFileSync(bridge().process.logPath, 'utf8')).not.toContain(password);
});
