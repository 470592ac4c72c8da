/**
 * Crowds of IRC users for the netsplit scenarios: bare users on raw sockets (hundreds of
 * irc-framework clients would cost more than the bridge), run in batches, and the count of
 * Matrix membership events they cause in a room.
 */
import net from 'node:net';
import { readE2eEnv } from '../../e2e/harness/env';
import type { MatrixTestUser } from '../../e2e/harness/irc-bridge';
import { GHOST_LOCALPART_PREFIX } from '../../e2e/harness/namespaces';

/** A bare IRC user on a raw socket (hundreds of irc-framework clients would cost more than the bridge). */
export class RawUser {
  private socket: net.Socket | undefined;
  /** `port`: the run's IRC server by default (the netsplit scenario puts users on a second one). */
  constructor(readonly nick: string, private readonly port = readE2eEnv().irc.port) {}

  async connectAndJoin(channel: string): Promise<void> {
    const { host } = readE2eEnv().irc;
    const port = this.port;
    const socket = net.connect({ host, port });
    this.socket = socket;
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`${this.nick} did not get into ${channel}`)), 60_000);
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        const lines = buffer.split('\r\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('PING')) socket.write(`PONG ${line.slice(5)}\r\n`);
          else if (/^:\S+ 001 /.test(line)) socket.write(`JOIN ${channel}\r\n`);
          else if (/^:\S+ 366 /.test(line)) { clearTimeout(timer); resolve(); }
        }
      });
      socket.write(`NICK ${this.nick}\r\nUSER ${this.nick} 0 * :netsplit test\r\n`);
    });
  }

  /** One line to a channel (no answer to wait for). */
  say(channel: string, text: string): void {
    this.socket?.write(`PRIVMSG ${channel} :${text}\r\n`);
  }

  /** QUIT with a reason shaped like a netsplit's ("<hub> <leaf>"), then close. */
  async split(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end('QUIT :hub.e2e.test leaf.e2e.test\r\n');
      setTimeout(() => { socket.destroy(); resolve(); }, 5_000).unref();
    });
  }
}

export async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

export async function memberEventCount(alice: MatrixTestUser, roomId: string): Promise<{ total: number; kickedOrBannedMatrixUsers: number }> {
  let total = 0;
  let kicked = 0;
  let from: string | undefined;
  for (;;) {
    const page = await alice.client.request<{ chunk: Array<{ sender: string; state_key?: string; content: { membership?: string } }>; end?: string }>(
      'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`,
      { query: { dir: 'b', limit: 1000, ...(from ? { from } : {}), filter: JSON.stringify({ types: ['m.room.member'], lazy_load_members: false }) } },
    );
    for (const e of page.chunk) {
      total++;
      const target = e.state_key ?? '';
      const isGhost = target.startsWith(`@${GHOST_LOCALPART_PREFIX}`);
      if (!isGhost && target !== e.sender && (e.content.membership === 'leave' || e.content.membership === 'ban')) kicked++;
    }
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  return { total, kickedOrBannedMatrixUsers: kicked };
}
