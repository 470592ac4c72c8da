import net from 'node:net';
import { asIrcNick } from '../mapping/ids';
import { IrcConnection } from './connection';
import { MIN_PARAMS, paramCount, tooShortForIrcFramework } from './short-lines';

const PARAMS = ['me', '#c', 'x', 'y', 'z', 'w', 'v', 'u', 't'];
const lineWith = (command: string, n: number) => [`:nick!u@h ${command}`, ...PARAMS.slice(0, n)].join(' ');

/** One client at a time: welcomes it, then writes `lines` and a PING, and reports the PONG. */
async function scriptedServer(lines: string[]): Promise<{ port: number; ponged: Promise<void>; close(): Promise<void> }> {
  let socket: net.Socket | undefined;
  let ponged!: () => void;
  const pong = new Promise<void>((resolve) => { ponged = resolve; });
  const server = net.createServer((s) => {
    socket = s;
    let buffer = '';
    s.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\r\n');
      buffer = parts.pop() ?? '';
      for (const l of parts) {
        if (l.startsWith('NICK ')) s.write([':srv 001 me :Welcome', ':srv 376 me :End', ...lines, 'PING :done', ''].join('\r\n'));
        if (l.startsWith('PONG') && l.includes('done')) ponged();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    ponged: pong,
    close: () => new Promise((r) => { socket?.destroy(); server.close(() => r()); }),
  };
}

/** Runs `work` with console.log/error/warn captured; returns what was printed. */
async function printed(work: () => Promise<void> | void): Promise<string[]> {
  const out: string[] = [];
  const spies = (['log', 'error', 'warn'] as const).map((fn) => jest.spyOn(console, fn).mockImplementation((...a: unknown[]) => { out.push(a.map(String).join(' ')); }));
  try {
    await work();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return out;
}

/**
 * The parts of irc-framework this measurement reaches into (untyped in irc-framework.d.ts on
 * purpose: the bridge itself must not use them).
 */
interface BareFramework {
  Client: new () => { connection: { emit(event: 'message', message: unknown, line: string): void } };
  ircLineParser(line: string): unknown;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bare = require('irc-framework') as BareFramework;

/** What a fresh irc-framework client does with `line`: 'ok', or how it failed (thrown or printed). */
async function bareClientReading(line: string): Promise<string> {
  const client = new bare.Client();
  let thrown: string | undefined;
  const out = await printed(() => {
    try {
      client.connection.emit('message', bare.ircLineParser(line), line);
    } catch (error) {
      thrown = (error as Error).message;
    }
  });
  return thrown ?? (out.length > 0 ? out.join('\n') : 'ok');
}

describe('paramCount', () => {
  it.each([
    [':srv 366 me #c :End of NAMES', { command: '366', params: 3 }],
    ['@time=x :srv 366', { command: '366', params: 0 }],
    ['PRIVMSG :', { command: 'PRIVMSG', params: 1 }],
    ['  :a!b@c privmsg   #c   :hi there', { command: 'PRIVMSG', params: 2 }],
  ])('%j', (line, expected) => {
    expect(paramCount(line)).toEqual(expected);
  });

  it('finds nothing without a command', () => {
    expect(paramCount('@tags :prefix')).toBeUndefined();
    expect(tooShortForIrcFramework('')).toBe(false);
  });
});

describe('lines too short for irc-framework', () => {
  // The measurement the table comes from, against the installed irc-framework: with the table's
  // count a bare client reads the line, with one fewer it throws (or prints the stack).
  it.each(Object.entries(MIN_PARAMS))('%s needs %i parameters (bare irc-framework)', async (command, needed) => {
    expect(await bareClientReading(lineWith(command, needed))).toBe('ok');
    expect(await bareClientReading(lineWith(command, needed - 1))).not.toBe('ok');
  });

  it('an IrcConnection drops them: nothing printed, the line after them still read', async () => {
    const short = Object.entries(MIN_PARAMS).flatMap(([command, needed]) => Array.from({ length: needed }, (_, n) => lineWith(command, n)));
    const server = await scriptedServer([...short, ':a!b@c PRIVMSG #c :still here']);
    const connection = new IrcConnection({ host: '127.0.0.1', port: server.port, nick: asIrcNick('me'), username: 'me', realname: 'Me' });
    const heard: string[] = [];
    connection.on('message', (m) => heard.push(m.text));
    try {
      const out = await printed(async () => {
        await connection.connect();
        await server.ponged;
      });
      expect(out).toEqual([]);
      expect(heard).toEqual(['still here']);
    } finally {
      await connection.quit().catch(() => undefined);
      await server.close();
    }
  });
});
