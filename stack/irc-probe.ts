/**
 * The IRC side of "ready": a throwaway client asks the IRC server who is in the channel until the
 * bridge's bot is there, so a newcomer's first IRC line is not said to a channel nobody bridges.
 */
import { connect } from 'node:net';
import { WaitTimeoutError } from '../test/e2e/harness/wait';

/** Resolves once `nick` is in `channel`'s NAMES reply; a new NAMES every 200 ms until `timeoutMs`. */
export function waitForChannelMember(host: string, port: number, channel: string, nick: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const probeNick = `stackprobe${process.pid % 10000}`;
    let buffer = '';
    let members: string[] = [];
    let poll: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      clearInterval(poll);
      if (err) socket.destroy();
      else socket.end('QUIT :probe done\r\n');
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(
      () => finish(new WaitTimeoutError(`${nick} to join ${channel} on ${host}:${port}`, timeoutMs, `members seen: ${members.join(' ') || 'none'}`)),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`NICK ${probeNick}\r\nUSER ${probeNick} 0 * :stack probe\r\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^:\S+ 001 /.test(line)) {
          const ask = (): void => void socket.write(`NAMES ${channel}\r\n`);
          ask();
          poll = setInterval(ask, 200);
        }
        // RPL_NAMREPLY: ":server 353 me = #chan :@op +voice plain"
        const names = / 353 \S+ [=*@] (\S+) :(.*)$/.exec(line);
        if (names && names[1]?.toLowerCase() === channel.toLowerCase()) {
          members = (names[2] ?? '').trim().split(/\s+/).map((m) => m.replace(/^[~&@%+]+/, ''));
          if (members.some((m) => m.toLowerCase() === nick.toLowerCase())) finish();
        }
      }
    });
    socket.on('error', (err) => finish(err));
  });
}
