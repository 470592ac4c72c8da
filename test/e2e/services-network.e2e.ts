/**
 * The tier's IRCv3 network (InspIRCd + Atheme) with plain IRC clients, no bridge: proves what the
 * SASL and capability scenarios rely on — services linked, accounts registered through NickServ,
 * SASL PLAIN accepted and refused, and the IRCv3 tags relayed between clients.
 */
import { readE2eEnv } from './harness/env';
import { connectIrc, disconnectAllIrc, uniqueNick } from './harness/irc-client';
import { registerAccount } from './harness/services';
import { saslMechanismsOffered } from './harness/services-network';

afterAll(disconnectAllIrc);

describe('e2e IRCv3 network (InspIRCd + Atheme)', () => {
  it('offers SASL PLAIN and EXTERNAL from the linked services', async () => {
    const { host, port } = readE2eEnv().ircv3;
    const mechanisms = await saslMechanismsOffered(host, port, 5_000);
    expect(mechanisms?.split(',').sort()).toEqual(['EXTERNAL', 'PLAIN']);
  });

  it('enables the IRCv3 capabilities irc-framework asks for', async () => {
    const client = await connectIrc(uniqueNick('caps'), { server: 'ircv3', echoMessage: true });
    expect(client.capabilities).toEqual(expect.arrayContaining(['message-tags', 'server-time', 'batch', 'account-tag', 'echo-message']));
  });

  it('logs a NickServ-registered account in with SASL PLAIN, and refuses a wrong password', async () => {
    const { account, password } = await registerAccount();
    const client = await connectIrc(account, { server: 'ircv3', sasl: { account, password } });
    expect(client.rawLines.some((l) => / 903 /.test(l))).toBe(true);
    await client.quit();
    await expect(connectIrc(uniqueNick('wrong'), { server: 'ircv3', sasl: { account, password: `${password}-not` } })).rejects.toThrow(/SASL login .* failed \(fail\)/);
  });

  it('relays msgid, server-time, account and +draft/reply tags between clients', async () => {
    const { account, password } = await registerAccount();
    const channel = `#${uniqueNick('tags')}`;
    const [alice, bob] = await Promise.all([
      connectIrc(account, { server: 'ircv3', sasl: { account, password }, echoMessage: true }),
      connectIrc(uniqueNick('bob'), { server: 'ircv3' }),
    ]);
    await alice.join(channel);
    await bob.join(channel);
    alice.say(channel, 'first');
    const heard = await bob.waitForMessage((m) => m.message === 'first');
    expect(heard.tags).toMatchObject({ msgid: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), account });
    const echoed = await alice.waitForMessage((m) => m.message === 'first' && m.nick === alice.nick);
    expect(echoed.tags.msgid).toBe(heard.tags.msgid);
    bob.sendRaw(`@+draft/reply=${heard.tags.msgid} PRIVMSG ${channel} :answer`);
    const reply = await alice.waitForMessage((m) => m.message === 'answer');
    expect(reply.tags['+draft/reply']).toBe(heard.tags.msgid);
  });
});
