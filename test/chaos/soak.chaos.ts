/**
 * A soak: steady traffic both ways (one message a second each way by default) for
 * CHAOS_SOAK_MINUTES (30 in the chaos run), sampling the bridge's resident memory, its V8 heap
 * used and its event-loop delay (prom-client's, from the bridge's own /metrics) every 10 seconds. Reports
 * the least-squares slope of each after a warm-up fifth, and counts every message.
 */
import { connectIrc, uniqueNick } from '../e2e/harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, startIrcBridge, uniqueChannel, type BridgeUnderTest } from '../e2e/harness/irc-bridge';
import { freePorts } from '@bridgekit/appservice/testing';
import { allBodiesFrom, rssBytes, settle, sleep } from './harness/scene';
import { report, tally } from './harness/tally';

const MINUTES = Number(process.env.CHAOS_SOAK_MINUTES ?? 30);
const PER_SECOND = Number(process.env.CHAOS_SOAK_RATE ?? 1);
const SAMPLE_MS = 10_000;

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** One reading of the bridge's own /metrics: prom-client's event-loop p99 and V8 heap used. */
async function readMetrics(port: number): Promise<{ lagP99Ms?: number; heapUsedMiB?: number }> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const value = (name: string) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    const lag = value('nodejs_eventloop_lag_p99_seconds');
    const heap = value('nodejs_heap_size_used_bytes');
    return { ...(lag !== undefined ? { lagP99Ms: lag * 1_000 } : {}), ...(heap !== undefined ? { heapUsedMiB: heap / 2 ** 20 } : {}) };
  } catch {
    return {};
  }
}

let bridge: BridgeUnderTest | undefined;
afterAll(async () => { await bridge?.stop(); });

it(`holds memory and event-loop delay flat over ${MINUTES} minutes of steady traffic both ways`, async () => {
  const [metricsPort] = await freePorts(1);
  bridge = await startIrcBridge({ metrics: { enabled: true, port: metricsPort }, logging: { level: 'info' } });
  const channel = uniqueChannel('soak');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);

  const fromIrc = uniqueNick('si');
  const fromMatrix = uniqueNick('sm');
  const ircTokens: number[] = [];
  const matrixTokens: number[] = [];
  const rss: Array<[number, number]> = [];
  const lag: Array<[number, number]> = [];
  // Heap used between collections is a sawtooth, so one reading means little; its slope over
  // the samples after warm-up is the number (bench/ endurance measures it after full GCs).
  const heap: Array<[number, number]> = [];
  const started = Date.now();
  const end = started + MINUTES * 60_000;
  const gap = 1_000 / PER_SECOND;
  await Promise.all([
    (async () => { for (let i = 0; Date.now() < end; i++) { ircTokens.push(i); irc.say(channel, `${fromIrc}-${i}`); await sleep(gap); } })(),
    (async () => { for (let i = 0; Date.now() < end; i++) { matrixTokens.push(i); await alice.client.sendText(roomId, `${fromMatrix}-${i}`); await sleep(gap); } })(),
    (async () => {
      while (Date.now() < end) {
        const minutes = (Date.now() - started) / 60_000;
        rss.push([minutes, rssBytes((bridge as BridgeUnderTest).process.pid) / 2 ** 20]);
        const sample = await readMetrics(metricsPort as number);
        if (sample.lagP99Ms !== undefined) lag.push([minutes, sample.lagP99Ms]);
        if (sample.heapUsedMiB !== undefined) heap.push([minutes, sample.heapUsedMiB]);
        await sleep(SAMPLE_MS);
      }
    })(),
  ]);

  const inMatrix = () => allBodiesFrom(alice.client, roomId, ghostUserId(irc.nick));
  const onIrc = () => irc.receivedMessages.filter((m) => m.target.toLowerCase() === channel.toLowerCase()).map((m) => m.message);
  await settle(async () => (await inMatrix()).length + onIrc().length, { target: ircTokens.length + matrixTokens.length, quietMs: 60_000 });
  const toMatrix = tally(fromIrc, ircTokens, await inMatrix());
  const toIrc = tally(fromMatrix, matrixTokens, onIrc());

  const warm = (points: Array<[number, number]>) => points.filter(([m]) => m >= MINUTES / 5);
  const rssSlope = slope(warm(rss)) * 60; // MiB per hour
  const lagSlope = slope(warm(lag)) * 60; // ms per hour
  const heapSlope = slope(warm(heap)) * 60; // MiB per hour
  const heapFirst = warm(heap)[0]?.[1] ?? 0;
  const heapLast = heap[heap.length - 1]?.[1] ?? 0;
  const first = warm(rss)[0]?.[1] ?? 0;
  const last = rss[rss.length - 1]?.[1] ?? 0;
  const lagMax = Math.max(0, ...lag.map(([, v]) => v));
  const note = `${MINUTES} min; RSS ${first.toFixed(0)} → ${last.toFixed(0)} MiB after warm-up, slope ${rssSlope.toFixed(1)} MiB/h; heap used ${heapFirst.toFixed(0)} → ${heapLast.toFixed(0)} MiB, slope ${heapSlope.toFixed(1)} MiB/h; event-loop p99 slope ${lagSlope.toFixed(2)} ms/h, max ${lagMax.toFixed(1)} ms`;
  report(`soak: steady IRC → Matrix at ${PER_SECOND}/s`, toMatrix, note);
  report(`soak: steady Matrix → IRC at ${PER_SECOND}/s`, toIrc);

  expect({ lost: toMatrix.lost + toIrc.lost, duplicated: toMatrix.duplicated + toIrc.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  // Flat: after warm-up the bridge may grow by caches filling, not by a leak that doubles it.
  expect(last).toBeLessThan(Math.max(first, 1) * 1.5);
  expect(lagMax).toBeLessThan(1_000);
});
