/**
 * A minimal IRC client for the harness side (senders and observers). Deliberately not
 * irc-framework: the harness shares two cores with the bridge, so its clients must cost next
 * to nothing per line. It registers, joins, answers PING, and hands every parsed line to
 * listeners with the monotonic time its chunk arrived.
 */
import net from 'node:net';
import { nowMs, withTimeout } from './time';

export interface IrcLine {
  /** Nick of the prefix (`nick!user@host` → `nick`), or the server name. */
  from: string;
  command: string;
  params: string[];
  /** When the chunk holding this line was read (monotonic ms). */
  at: number;
}

export type LineListener = (line: IrcLine) => void;

const REGISTER_TIMEOUT_MS = 10_000;

export class RawIrcClient {
  private readonly listeners = new Set<LineListener>();
  private buffer = '';
  private closed = false;

  private constructor(
    readonly nick: string,
    private readonly socket: net.Socket,
  ) {
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows; callers see it through isClosed
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects and registers; resolves on 001. */
  static async connect(port: number, nick: string): Promise<RawIrcClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await withTimeout(new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }), REGISTER_TIMEOUT_MS, `TCP connect of ${nick}`);
    const client = new RawIrcClient(nick, socket);
    const welcomed = client.waitLine((l) => l.command === '001', `001 for ${nick}`, REGISTER_TIMEOUT_MS, (l) => {
      if (l.command === '433' || l.command === 'ERROR') throw new Error(`${nick} could not register: ${l.command} ${l.params.join(' ')}`);
    });
    client.send(`NICK ${nick}`);
    client.send(`USER ${nick.toLowerCase().replace(/[^a-z0-9]/g, '') || 'bench'} 0 * :bench ${nick}`);
    await welcomed;
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first line matching `match`; `fail` may throw to reject early. */
  waitLine(match: (l: IrcLine) => boolean, what: string, timeoutMs: number, fail?: (l: IrcLine) => void): Promise<IrcLine> {
    let off: () => void = () => undefined;
    const found = new Promise<IrcLine>((resolve, reject) => {
      off = this.onLine((l) => {
        try {
          fail?.(l);
        } catch (error) {
          reject(error);
          return;
        }
        if (match(l)) resolve(l);
      });
    });
    return withTimeout(found, timeoutMs, what).finally(off);
  }

  /** Joins and waits for the end of NAMES (366), i.e. the join is complete. */
  async join(channel: string, timeoutMs = 10_000): Promise<void> {
    const done = this.waitLine((l) => l.command === '366' && l.params[1]?.toLowerCase() === channel.toLowerCase(), `${this.nick} joining ${channel}`, timeoutMs);
    this.send(`JOIN ${channel}`);
    await done;
  }

  send(line: string): void {
    if (!this.closed) this.socket.write(`${line}\r\n`);
  }

  /** Many lines in one write (one syscall): how a fast IRC client floods. */
  sendMany(lines: readonly string[]): void {
    if (!this.closed) this.socket.write(lines.map((l) => `${l}\r\n`).join(''));
  }

  async quit(message = 'bench done'): Promise<void> {
    if (this.closed) return;
    this.send(`QUIT :${message}`);
    await withTimeout(new Promise<void>((resolve) => this.socket.once('close', () => resolve())), 2_000, `${this.nick} quitting`).catch(() => this.socket.destroy());
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    const at = nowMs();
    this.buffer += chunk;
    let start = 0;
    for (let end = this.buffer.indexOf('\n'); end !== -1; end = this.buffer.indexOf('\n', start)) {
      const raw = this.buffer.slice(start, end > start && this.buffer[end - 1] === '\r' ? end - 1 : end);
      start = end + 1;
      if (raw) this.dispatch(parseLine(raw, at));
    }
    this.buffer = this.buffer.slice(start);
  }

  private dispatch(line: IrcLine): void {
    if (line.command === 'PING') this.send(`PONG :${line.params[0] ?? ''}`);
    for (const listener of this.listeners) listener(line);
  }
}

export function parseLine(raw: string, at: number): IrcLine {
  let rest = raw;
  if (rest.startsWith('@')) rest = rest.slice(rest.indexOf(' ') + 1);
  let from = '';
  if (rest.startsWith(':')) {
    const space = rest.indexOf(' ');
    const prefix = rest.slice(1, space);
    const bang = prefix.indexOf('!');
    from = bang === -1 ? prefix : prefix.slice(0, bang);
    rest = rest.slice(space + 1);
  }
  const params: string[] = [];
  let command = '';
  while (rest.length > 0) {
    if (rest.startsWith(':') && command) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(' ');
    const word = space === -1 ? rest : rest.slice(0, space);
    if (!command) command = word;
    else if (word) params.push(word);
    rest = space === -1 ? '' : rest.slice(space + 1);
  }
  return { from, command, params, at };
}
