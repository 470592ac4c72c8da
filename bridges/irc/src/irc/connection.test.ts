/**
 * IrcConnection against a REAL ngIRCd on loopback (few, quick tests). A recording TCP proxy
 * between one client and the server shows exactly which lines reached the server.
 */
import net from 'node:net';
import { UnsafeIrcParamError } from '../format/sanitize';
import { asIrcNick } from '../mapping/ids';
import { IrcConnection, type IrcConnectOptions } from './connection';
import { JoinFailedError } from './errors';
import type { IrcConnectionEvents, IrcEventName } from './events';
import { startTestIrcd, type TestIrcd } from './test-ircd';

jest.setTimeout(20_000);

let ircd: TestIrcd;
const open: IrcConnection[] = [];

beforeAll(async () => {
  ircd = await startTestIrcd();
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.quit('bye').catch(() => undefined)));
  await ircd.stop();
});

function connection(nick: string, overrides: Partial<IrcConnectOptions> = {}): IrcConnection {
  const c = new IrcConnection({
    host: ircd.host, port: ircd.port, nick: asIrcNick(nick), username: nick.toLowerCase().slice(0, 10), realname: `${nick} (test)`,
    flood: { capacity: 100, refillPerSecond: 100 },
    ...overrides,
  });
  open.push(c);
  return c;
}

/** Collects events of one kind so a test can wait for the one it expects. */
function recorder<E extends IrcEventName>(c: IrcConnection, event: E) {
  const seen: IrcConnectionEvents[E][] = [];
  c.on(event, (e) => seen.push(e));
  return {
    seen,
    next: (filter: (e: IrcConnectionEvents[E]) => boolean) => {
      const found = seen.find(filter);
      return found ? Promise.resolve(found) : c.once(event, filter);
    },
  };
}

/** A TCP proxy that records every line the client sends to the server. */
async function recordingProxy(target: TestIrcd): Promise<{ port: number; lines: string[]; close: () => void }> {
  const lines: string[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.push(client, upstream);
    let pending = '';
    client.on('data', (chunk) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\r\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as net.AddressInfo;
  return { port: address.port, lines, close: () => { sockets.forEach((s) => s.destroy()); server.close(); } };
}

describe('IrcConnection (real ngIRCd)', () => {
  it('registers, exposes ISUPPORT and resolves nick collisions', async () => {
    const first = connection('Collide');
    const registered = await first.connect();
    expect(registered.nick).toBe('Collide');
    expect(registered.isupport.nickLength).toBe(30);
    expect(registered.isupport.chanTypes).toContain('#');
    expect(first.isRegistered).toBe(true);

    const second = connection('Collide');
    await expect(second.connect()).resolves.toMatchObject({ nick: 'Collide_' });
    await second.quit('done');
    expect(second.isRegistered).toBe(false);
  });

  it('relays messages, joins, topics, modes, names and parts between two clients', async () => {
    const alice = connection('alice');
    const bob = connection('bob');
    await Promise.all([alice.connect(), bob.connect()]);
    const bobMessages = recorder(bob, 'message');
    const bobJoins = recorder(bob, 'join');
    const bobTopics = recorder(bob, 'topic');
    const bobModes = recorder(bob, 'mode');
    const bobParts = recorder(bob, 'part');
    const names = recorder(bob, 'names');

    await alice.join('#Relay');
    await bob.join('#relay'); // same channel under CASEMAPPING
    expect((await names.next((n) => n.channel.toLowerCase() === '#relay')).members.get(asIrcNick('alice'))).toBe('@');
    expect(bob.joinedChannels.has('#relay')).toBe(true);
    await alice.join('#relay'); // already in: resolves at once
    const badKey = await bob.join('#keyed', 'key with spaces').catch((error: Error) => error);
    expect((badKey as Error).message).toContain('The channel key cannot be sent');
    expect((badKey as Error).message).not.toContain('key with spaces');

    await alice.say('#relay', 'hello \x02world\x02');
    await alice.action('#relay', 'waves');
    await alice.notice('#relay', 'a notice');
    expect(await bobMessages.next((m) => m.kind === 'privmsg')).toMatchObject({
      nick: 'alice', ident: expect.stringContaining('alice'), target: '#Relay', text: 'hello \x02world\x02', self: false, fromServer: false,
    });
    expect(await bobMessages.next((m) => m.kind === 'action')).toMatchObject({ text: 'waves' });
    expect(await bobMessages.next((m) => m.kind === 'notice' && !m.fromServer)).toMatchObject({ text: 'a notice' });

    await alice.setTopic('#relay', 'new topic ✓');
    expect(await bobTopics.next((t) => t.setBy === 'alice')).toMatchObject({ topic: 'new topic ✓' });

    await alice.mode('#relay', '+o-o+l', ['bob', 'bob', '10']);
    const mode = await bobModes.next((m) => m.target.toLowerCase() === '#relay');
    expect(mode.changes).toEqual([
      { adding: true, mode: 'o', param: 'bob' },
      { adding: false, mode: 'o', param: 'bob' },
      { adding: true, mode: 'l', param: '10' },
    ]);

    const whois = await bob.whois('ALICE');
    expect(whois).toMatchObject({ nick: 'alice', realname: 'alice (test)', operator: false });
    expect(whois?.channels.join(' ')).toMatch(/#relay/i);
    const bobRefusals = recorder(bob, 'serverError');
    await expect(bob.whois('nobody-here')).resolves.toBeUndefined();
    // ngIRCd answers 401 then 318: the 401 belongs to the WHOIS, not to a message bob sent.
    expect(bobRefusals.seen).toEqual([]);
    await bob.say('nobody-here', 'are you there?');
    expect(await bobRefusals.next((e) => e.error === 'no_such_nick')).toMatchObject({ nick: 'nobody-here' });

    await alice.part('#relay', 'see you');
    expect(await bobParts.next((p) => p.nick === 'alice')).toMatchObject({ reason: 'see you', self: false });
    expect(bobJoins.seen.some((j) => j.nick === 'bob' && j.self)).toBe(true);

    const renamed = await alice.changeNick('alice2');
    expect(renamed).toBe('alice2');
    expect(alice.nick).toBe('alice2');
    await expect(alice.changeNick('bob')).rejects.toMatchObject({ code: 'IRC_NICK_UNAVAILABLE' });
  });

  it('rejects a refused JOIN with the numeric; reports kicks and quits', async () => {
    const op = connection('keyop');
    const guest = connection('guest');
    await Promise.all([op.connect(), guest.connect()]);
    await op.join('#locked');
    await op.mode('#locked', '+k', ['secret']);
    await expect(guest.join('#locked')).rejects.toEqual(expect.objectContaining({ numeric: '475' }));
    await expect(guest.join('#locked')).rejects.toBeInstanceOf(JoinFailedError);
    await expect(guest.join('#locked', 'secret')).resolves.toBeUndefined();

    const kicked = guest.once('kick');
    await op.kick('#locked', 'guest', 'out');
    expect(await kicked).toMatchObject({ nick: 'keyop', kicked: 'guest', reason: 'out', self: true });
    expect(guest.joinedChannels.has('#locked')).toBe(false);

    await guest.join('#locked', 'secret');
    const quit = op.once('quit', (q) => q.nick === 'guest');
    await guest.quit('leaving now');
    expect(await quit).toMatchObject({ reason: expect.stringContaining('leaving now') });
  });

  it('lets no CR/LF injection reach the server: one command per call', async () => {
    const proxy = await recordingProxy(ircd);
    try {
      const mallory = connection('mallory', { port: proxy.port });
      await mallory.connect();
      await mallory.join('#inject');
      const before = proxy.lines.length;

      await expect(mallory.join('#x\r\nJOIN #evil')).rejects.toBeInstanceOf(UnsafeIrcParamError);
      await expect(mallory.part('#inject\nQUIT')).rejects.toBeInstanceOf(UnsafeIrcParamError);
      await expect(mallory.say('#inject\r\nQUIT', 'x')).rejects.toBeInstanceOf(UnsafeIrcParamError);
      await expect(mallory.raw('PING x\r\nQUIT')).rejects.toBeInstanceOf(UnsafeIrcParamError);
      await mallory.setTopic('#inject', 'topic\r\nQUIT :pwned');
      await mallory.kick('#inject', 'nobody', 'reason\nJOIN #evil');
      await mallory.say('#inject', 'line one\r\nQUIT :pwned\0');
      await mallory.whois('mallory'); // a round trip: everything above has been processed

      const sent = proxy.lines.slice(before).filter((l) => !/^(PING|PONG)/.test(l));
      expect(sent).toEqual([
        'TOPIC #inject :topic QUIT :pwned',
        'KICK #inject nobody :reason JOIN #evil',
        'PRIVMSG #inject :line one',
        'PRIVMSG #inject :QUIT :pwned',
        'WHOIS mallory',
      ]);
      expect(mallory.isRegistered).toBe(true);
      expect(mallory.joinedChannels.has('#evil')).toBe(false);
    } finally {
      proxy.close();
    }
  });

  it('joins many channels asked at once in a few lines, within a slow flood bucket', async () => {
    const proxy = await recordingProxy(ircd);
    try {
      // One line per second after a burst of two: 60 JOIN lines would take about a minute.
      const bot = connection('manyjoins', { port: proxy.port, flood: { capacity: 2, refillPerSecond: 1 } });
      await bot.connect();
      const channels = Array.from({ length: 60 }, (_, i) => `#many${i}`);
      await Promise.all(channels.map((c) => bot.join(c)));
      for (const c of channels) expect(bot.joinedChannels.has(c)).toBe(true);
      const joinLines = proxy.lines.filter((l) => l.startsWith('JOIN '));
      expect(joinLines.length).toBeLessThanOrEqual(2);
      expect(joinLines.flatMap((l) => l.slice(5).split(','))).toEqual(channels);
    } finally {
      proxy.close();
    }
  });
});
