/**
 * A connect and the gate: the connect gate's slot is freed at the server's first line (not at
 * the end of registration), and puppets reading through the shared buffer keep their partial
 * lines apart.
 */
import net from 'node:net';
import { TestLogger } from '@bridgekit/appservice/testing';
import { asIrcNick } from '../mapping/ids';
import { ManagedConnection } from '../network/managed-connection';
import { systemClock } from './clock';
import type { IrcMessageEvent } from './events';
import { ConnectRateLimiter } from './reconnect';
import { closeScripted, connection, fakeServer, welcoming } from './scripted-server';

jest.setTimeout(10_000);

afterEach(closeScripted);

describe('connect', () => {
  it('tells the caller at the server\'s first line, before registration ends', async () => {
    let welcome: (() => void) | undefined;
    const server = await fakeServer((line, send) => {
      if (line.startsWith('CAP LS')) send(':srv CAP * LS :');
      if (line === 'CAP END') welcome = () => { send(':srv 001 me :Welcome'); send(':srv 376 me :End of MOTD'); };
    });
    const events: string[] = [];
    const registered = connection(server.port).connect(() => events.push('accepted')).then(() => events.push('registered'));
    await waitUntil(() => welcome !== undefined);
    expect(events).toEqual(['accepted']);
    welcome?.();
    await registered;
    expect(events).toEqual(['accepted', 'registered']);
  });

  it('lets the next connect through the gate once the server has answered the one before', async () => {
    // "slow" is answered but never welcomed: with the slot held until registration, "fast" would wait 30 s.
    const nicks = new WeakMap<net.Socket, string>();
    const server = await fakeServer((line, send, socket) => {
      if (line.startsWith('CAP LS')) send(':srv CAP * LS :');
      else if (line.startsWith('NICK ')) nicks.set(socket, line.slice(5));
      else if (line === 'CAP END' && nicks.get(socket) === 'fast') {
        send(':srv 001 fast :Welcome');
        send(':srv 376 fast :End of MOTD');
      }
    });
    const limiter = new ConnectRateLimiter({ perSecond: 100, maxHandshakes: 1 });
    const managed = (nick: string) => new ManagedConnection({
      label: nick, host: '127.0.0.1', client: connection(server.port, { nick: asIrcNick(nick), username: nick, registrationTimeoutMs: 30_000 }),
      limiter, backoff: {}, clock: systemClock, log: new TestLogger(),
    });
    const slow = managed('slow');
    const fast = managed('fast');
    const slowAttempt = slow.ensureConnected().catch(() => undefined);
    await fast.ensureConnected();
    expect(fast.state).toBe('connected');
    await Promise.all([slow.stop('done'), fast.stop('done')]);
    await slowAttempt;
  });
});

describe('capabilities', () => {
  it('a puppet does not ask for multi-prefix or userhost-in-names; the bot does', async () => {
    const server = await fakeServer(welcoming(() => undefined, 'multi-prefix userhost-in-names'));
    await connection(server.port, { nick: asIrcNick('pup'), username: 'pup', onlyOwnTraffic: true }).connect();
    await connection(server.port, { nick: asIrcNick('bot'), username: 'bot' }).connect();
    const caps = server.received.filter((l) => l.startsWith('CAP '));
    // The puppet ends negotiation at once (no round trip); the bot requests both.
    expect(caps).toEqual(['CAP LS 302', 'CAP END', 'CAP LS 302', 'CAP REQ :multi-prefix userhost-in-names', 'CAP END']);
  });

  it('a puppet still asks for what it uses', async () => {
    const server = await fakeServer(welcoming(() => undefined, 'multi-prefix echo-message=x server-time'));
    const c = connection(server.port, { nick: asIrcNick('pup'), username: 'pup', onlyOwnTraffic: true, echoMessage: true });
    await c.connect();
    expect(server.received.filter((l) => l.startsWith('CAP REQ'))).toEqual(['CAP REQ :echo-message server-time']);
    expect(c.echoMessage).toBe(true);
  });
});

describe('puppet reads through the shared buffer', () => {
  it('keeps each connection\'s partial line apart', async () => {
    const sockets = new Map<string, net.Socket>();
    const server = await fakeServer(welcoming((line, _send, socket) => {
      if (line.startsWith('NICK ')) sockets.set(line.slice(5), socket);
    }));
    const one = connection(server.port, { nick: asIrcNick('one'), username: 'one', onlyOwnTraffic: true });
    const two = connection(server.port, { nick: asIrcNick('two'), username: 'two', onlyOwnTraffic: true });
    await Promise.all([one.connect(), two.connect()]);
    const texts: string[] = [];
    const heard = (c: typeof one) => new Promise<void>((resolve) => c.on('message', (e: IrcMessageEvent) => { texts.push(e.text); resolve(); }));
    const both = Promise.all([heard(one), heard(two)]);
    // Each socket's line arrives in two reads, with the other socket's first half in between.
    sockets.get('one')?.write(':alice!a@h PRIVMSG one :first half of ');
    await new Promise((r) => setTimeout(r, 30));
    sockets.get('two')?.write(':bob!b@h PRIVMSG two :the other ');
    await new Promise((r) => setTimeout(r, 30));
    sockets.get('one')?.write('one\r\n');
    sockets.get('two')?.write('line\r\n');
    await both;
    expect(texts.sort()).toEqual(['first half of one', 'the other line']);
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('condition not met within 2 s');
}
