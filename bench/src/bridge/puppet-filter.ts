/**
 * Experiment `puppet-filter` (`npm run bench -- --experiment puppet-filter`): what the bridge
 * would save if puppet connections did not parse channel traffic that only the bot needs. Every
 * puppet is a full IRC client, so each line said in a channel with K puppets is parsed K + 1
 * times. Here, below the bridge, each puppet socket's incoming lines lose channel PRIVMSG /
 * NOTICE and other users' JOIN / PART / QUIT before irc-framework sees them. A sketch for
 * measuring, not a fix: the real one belongs in the connection (see the bench README).
 */
import net from 'node:net';

const CHANNEL_TRAFFIC = /^(?:@\S+ )?:([^!\s]+)\S* (PRIVMSG|NOTICE|JOIN|PART|QUIT) ?([^\s]*)/;

function wanted(line: string, ownNick: string): boolean {
  const m = CHANNEL_TRAFFIC.exec(line);
  if (!m) return true;
  const [, from, command, target = ''] = m;
  if (from === ownNick) return true;
  if (command === 'PRIVMSG' || command === 'NOTICE') return !/^[#&]/.test(target);
  return false;
}

export function installPuppetFilter(options: { ircPort: number; botNick: string }): void {
  const originalConnect = net.connect;
  (net as { connect: unknown }).connect = function (this: unknown, ...args: unknown[]): net.Socket {
    const socket = (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    const target = args[0] as { port?: number } | undefined;
    if (typeof target === 'object' && target?.port === options.ircPort) filterSocket(socket, options.botNick);
    return socket;
  };
}

function filterSocket(socket: net.Socket, botNick: string): void {
  let nick = '';
  const write = socket.write;
  socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]): boolean {
    const text = Buffer.isBuffer(chunk) ? chunk.toString('latin1') : typeof chunk === 'string' ? chunk : '';
    if (text.startsWith('NICK ')) nick = text.slice(5).trim();
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof socket.write;
  let carry = '';
  const emit = socket.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'data' || nick === botNick || !nick) return emit.call(this, event, ...args);
    const text = carry + (args[0] as Buffer).toString('latin1');
    const end = text.lastIndexOf('\n') + 1;
    carry = text.slice(end);
    const kept = text.slice(0, end).split('\n').filter((l) => l && wanted(l, nick)).map((l) => `${l}\n`).join('');
    return kept ? emit.call(this, 'data', Buffer.from(kept, 'latin1')) : true;
  } as typeof socket.emit;
}
