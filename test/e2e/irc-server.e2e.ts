/**
 * The e2e IRC server (ngIRCd) with plain IRC clients, no bridge: proves the server config the
 * bridge scenarios depend on (many connections per IP, long nicks, no flood delays) and the
 * harness's IRC test client.
 */
import { connectIrc, disconnectAllIrc, uniqueNick } from './harness/irc-client';
import { readE2eEnv } from './harness/env';

afterAll(disconnectAllIrc);

function uniqueChannel(): string {
  return `#${uniqueNick('chan')}`;
}

describe('e2e IRC server', () => {
  it('lets two plain IRC clients talk in a channel', async () => {
    const alice = await connectIrc(uniqueNick('alice'));
    const bob = await connectIrc(uniqueNick('bob'));
    const channel = uniqueChannel();
    await alice.join(channel);
    await bob.join(channel);
    await alice.waitForJoin((j) => j.nick === bob.nick && j.channel === channel);

    alice.say(channel, 'hello from alice');
    const message = await bob.waitForMessage((m) => m.message === 'hello from alice');
    expect(message).toMatchObject({ type: 'privmsg', nick: alice.nick, target: channel });

    bob.action(channel, 'waves');
    await expect(alice.waitForMessage((m) => m.type === 'action')).resolves.toMatchObject({ nick: bob.nick, message: 'waves' });

    bob.notice(alice.nick, 'a private notice');
    await expect(alice.waitForMessage((m) => m.type === 'notice' && m.nick === bob.nick)).resolves.toMatchObject({ target: alice.nick, message: 'a private notice' });

    alice.setTopic(channel, 'bridged soon');
    await expect(bob.waitForTopic((t) => t.channel === channel && t.nick === alice.nick)).resolves.toMatchObject({ topic: 'bridged soon' });

    const newNick = uniqueNick('bobby');
    bob.changeNick(newNick);
    await expect(alice.waitForNick((n) => n.newNick === newNick)).resolves.toMatchObject({ nick: expect.stringMatching(/^bob/) });

    await bob.part(channel, 'later');
    await expect(alice.waitForPart((p) => p.nick === newNick)).resolves.toMatchObject({ channel, message: 'later' });
  });

  it('reports modes and kicks by the channel operator', async () => {
    const op = await connectIrc(uniqueNick('op'));
    const guest = await connectIrc(uniqueNick('guest'));
    const channel = uniqueChannel();
    await op.join(channel); // the first to join a new channel is its operator
    await guest.join(channel);

    op.mode(channel, '+v', [guest.nick]);
    await expect(guest.waitForMode((m) => m.target === channel)).resolves.toMatchObject({ nick: op.nick, rawModes: '+v', rawParams: [guest.nick] });

    op.sendRaw(`KICK ${channel} ${guest.nick} :out you go`);
    await expect(guest.waitForKick((k) => k.channel === channel)).resolves.toMatchObject({ kicked: guest.nick, nick: op.nick, message: 'out you go' });
  });

  it('accepts more connections from one IP than the default limit of 5', async () => {
    const clients = await Promise.all(Array.from({ length: 12 }, () => connectIrc(uniqueNick('many'))));
    expect(clients.every((c) => c.isConnected)).toBe(true);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('keeps nicks up to 30 characters (the default would cut them at 9)', async () => {
    const nick = `long${uniqueNick('n')}`.padEnd(30, 'x');
    const client = await connectIrc(nick);
    expect(client.nick).toBe(nick);
  });

  it('records raw lines, including the welcome from the configured server name', async () => {
    const client = await connectIrc(uniqueNick('raw'));
    const welcome = await client.waitForRawLine((l) => / 001 /.test(l));
    expect(welcome.startsWith(`:${readE2eEnv().irc.serverName} 001 ${client.nick} `)).toBe(true);
  });

  it('delivers a burst of lines without flood delays or drops', async () => {
    const sender = await connectIrc(uniqueNick('burst'));
    const receiver = await connectIrc(uniqueNick('sink'));
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    for (const line of lines) sender.say(receiver.nick, line);
    await receiver.waitForMessage((m) => m.message === 'line 49');
    const received = receiver.rawLines.filter((l) => / PRIVMSG /.test(l)).map((l) => l.slice(l.indexOf(' :', 1) + 2));
    expect(received).toEqual(lines);
  });
});
