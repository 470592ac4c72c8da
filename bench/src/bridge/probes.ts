/**
 * Instrumentation inside the bridge's process, at its edges only (nothing in bridges/ or
 * packages/ is changed): every benchmark message carries a marker `bk<7 digits>`, and these
 * probes note the monotonic time when a marked line
 *   - arrives on the bot's IRC socket (first 'data' listener, before the bridge parses it),
 *   - leaves as a homeserver request (undici's `undici:request:create` diagnostics channel),
 *   - leaves on a puppet's IRC socket (the socket's `write`),
 * and when a transaction request from the homeserver starts (node's http diagnostics channel).
 * Bridge latency is then measured between the bridge's own I/O calls, without the IRC server,
 * the HTTP stack on the far side or the harness in the number.
 */
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { nowMs } from '../time';

export type Stamp = [id: number, at: number];

export interface ProbeDump {
  ircRead: Stamp[];
  fetchSend: Stamp[];
  ircWrite: Stamp[];
  /** Transaction ID (`t<n>`) → when the homeserver's request reached the bridge. */
  txnStart: Array<[txnId: string, at: number]>;
}

export const MARKER = /bk(\d{7})/g;
const MAX_STAMPS = 1_000_000;

export function marker(id: number): string {
  return `bk${String(id).padStart(7, '0')}`;
}

export interface Probes {
  dump(): ProbeDump;
}

export function installProbes(options: { ircPort: number; botNick: string }): Probes {
  let records: ProbeDump = { ircRead: [], fetchSend: [], ircWrite: [], txnStart: [] };
  const push = <T>(list: T[], item: T) => {
    if (list.length < MAX_STAMPS) list.push(item);
  };
  const stampAll = (list: Stamp[], text: string, at: number) => {
    for (const m of text.matchAll(MARKER)) push(list, [Number(m[1]), at]);
  };

  const originalConnect = net.connect;
  const patched = function (this: unknown, ...args: unknown[]): net.Socket {
    const socket = (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    const target = args[0] as { port?: number } | undefined;
    if (typeof target === 'object' && target?.port === options.ircPort) watchIrcSocket(socket);
    return socket;
  };
  (net as { connect: unknown }).connect = patched;

  function watchIrcSocket(socket: net.Socket): void {
    let isBot = false;
    // Added before the transport's own listener, so the time is taken before any parsing.
    socket.on('data', (chunk: Buffer) => {
      if (isBot) stampAll(records.ircRead, chunk.toString('latin1'), nowMs());
    });
    const write = socket.write;
    socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]): boolean {
      const at = nowMs();
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '';
      if (!isBot && text.startsWith(`NICK ${options.botNick}\r`)) isBot = true;
      if (!isBot && text.includes('PRIVMSG')) stampAll(records.ircWrite, text, at);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof socket.write;
  }

  diagnostics.subscribe('http.server.request.start', (message) => {
    const url = (message as { request: { url?: string } }).request.url ?? '';
    const at = url.indexOf('/transactions/');
    if (at !== -1) push(records.txnStart, [url.slice(at + '/transactions/'.length), nowMs()]);
  });

  // Published when the transport hands a request to undici, before it is written to a socket.
  diagnostics.subscribe('undici:request:create', (message) => {
    const body = (message as { request: { body?: unknown } }).request.body;
    const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('latin1') : '';
    if (text.includes('bk')) stampAll(records.fetchSend, text, nowMs());
  });

  return {
    dump() {
      const out = records;
      records = { ircRead: [], fetchSend: [], ircWrite: [], txnStart: [] };
      return out;
    },
  };
}
