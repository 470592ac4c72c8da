/** Plain IRC users who talk in a channel (harness side), and the text of benchmark lines. */
import { marker } from '../bridge/probes';
import { RawIrcClient } from '../irc-client';

/** About the length of a typical chat line. */
const FILLER = 'the quick brown fox jumps over the lazy dog, again and again';

export function benchText(id: number): string {
  return `${marker(id)} ${FILLER}`;
}

export function markerOf(text: string): number | undefined {
  const m = /bk(\d{7})/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function connectSenders(port: number, count: number, channel: string, prefix = 'sender'): Promise<RawIrcClient[]> {
  const senders = await Promise.all(Array.from({ length: count }, (_, i) => RawIrcClient.connect(port, `${prefix}${i}`)));
  await Promise.all(senders.map((s) => s.join(channel)));
  return senders;
}

export async function quitAll(clients: readonly RawIrcClient[]): Promise<void> {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.destroy())));
}

/**
 * Connects `count` plain clients straight to the IRC server, at most `concurrency` at a time,
 * each joining `channelOf(i)`: the server's own floor for connect scenarios. Returns the seconds
 * it took; the clients are closed afterwards.
 */
export async function plainClientFloor(port: number, count: number, concurrency: number, channelOf: (i: number) => string, prefix = 'floor'): Promise<number> {
  const clients: RawIrcClient[] = [];
  let next = 0;
  const t0 = Date.now();
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const c = await RawIrcClient.connect(port, `${prefix}${i}`);
        clients.push(c);
        await c.join(channelOf(i), 60_000);
      }
    }));
    return (Date.now() - t0) / 1000;
  } finally {
    for (const c of clients) c.destroy();
  }
}
