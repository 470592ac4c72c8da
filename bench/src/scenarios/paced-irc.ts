/**
 * IRC → Matrix at a steady 100 lines/s (10 IRC users taking turns): the latency the bridge
 * adds to one message when it is not under load.
 */
import { cpuMs } from '../bridge/process';
import type { Stamp } from '../bridge/probes';
import { distribution } from '../stats';
import { nowMs, sleep, waitFor } from '../time';
import { World } from '../world';
import { type RunContext, type RunResult, type Scenario } from '../scenario';
import { benchText, connectSenders, markerOf, quitAll } from './senders';

const SENDERS = 10;
const RATE_PER_SECOND = 100;
const MESSAGES = 600;

export const pacedIrc: Scenario = {
  name: 'irc-paced',
  title: 'IRC → Matrix paced, 100 msg/s',
  measures: 'Bridge latency = time the bridge called fetch() for the homeserver request carrying the message − time the chunk '
    + 'holding the IRC line arrived on the bot\'s socket (both stamped inside the bridge process by bench probes at its I/O '
    + 'edges: a first \'data\' listener on the socket, a wrapper around the injected fetch). It is everything the bridge does: '
    + 'parsing, handlers, room queue, intent caches, rendering. End to end = fake homeserver receive time − harness write '
    + `time (adds ngIRCd and both HTTP stacks). ${MESSAGES} lines at ${RATE_PER_SECOND}/s after a warm-up.`,
  metrics: {
    bridgeP50: { unit: 'ms', label: 'bridge latency p50' },
    bridgeP95: { unit: 'ms', label: 'bridge latency p95' },
    bridgeP99: { unit: 'ms', label: 'bridge latency p99' },
    bridgeMax: { unit: 'ms', label: 'bridge latency max' },
    e2eP50: { unit: 'ms', label: 'end to end p50 (IRC write → HS receive)' },
    e2eP99: { unit: 'ms', label: 'end to end p99' },
    relayP50: { unit: 'ms', label: 'ngIRCd relay p50 (IRC write → observer)' },
    cpuPerMsg: { unit: 'ms', label: 'bridge CPU per message (echo included)' },
    unmatched: { unit: 'count', label: 'messages without both probe stamps' },
    loopDelayMax: { unit: 'ms', label: 'longest event-loop stall of the bridge' },
    gcMax: { unit: 'ms', label: 'longest GC pause of the bridge' },
    gcTotal: { unit: 'ms', label: 'GC pauses, total' },
  },
  targets: [
    { metric: 'bridgeP50', op: '<=', value: 1, text: 'bridge latency p50 ≤ 1 ms' },
    { metric: 'bridgeP99', op: '<=', value: 3, text: 'bridge latency p99 ≤ 3 ms' },
  ],
  run: runPacedIrc,
};

/** First stamp per message ID. */
export function firstStamps(stamps: readonly Stamp[]): Map<number, number> {
  const first = new Map<number, number>();
  for (const [id, at] of stamps) if (!first.has(id)) first.set(id, at);
  return first;
}

async function runPacedIrc(ctx: RunContext): Promise<RunResult> {
  const world = await World.create({ ctx, scenario: 'irc-paced', rooms: 1, instrument: true });
  const channel = world.channels[0]!;
  const senders = await connectSenders(world.ircd.port, SENDERS, channel);
  try {
    senders.forEach((s, i) => s.send(`PRIVMSG ${channel} :warm-up ${i}`));
    await waitFor('the warm-up lines at the homeserver', () => world.hs.messages.length >= SENDERS, 30_000);
    await world.hs.pusher.waitIdle(30_000);
    await world.bridge.probes(); // drop the warm-up stamps

    const sentAt = new Map<number, number>();
    const hsAt = new Map<number, number>();
    const observedAt = new Map<number, number>();
    const offHs = world.hs.onMessage((m) => {
      const id = markerOf(m.body);
      if (id !== undefined && !hsAt.has(id)) hsAt.set(id, m.at);
    });
    const offObserver = world.observer.onLine((l) => {
      const id = l.command === 'PRIVMSG' ? markerOf(l.params[1] ?? '') : undefined;
      if (id !== undefined && !observedAt.has(id)) observedAt.set(id, l.at);
    });

    await world.bridge.pauses();
    const before = await world.bridge.stats();
    const t0 = nowMs();
    for (let i = 0; i < MESSAGES; i++) {
      const due = t0 + (i * 1000) / RATE_PER_SECOND;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const id = i + 1;
      senders[i % SENDERS]!.send(`PRIVMSG ${channel} :${benchText(id)}`);
      sentAt.set(id, nowMs());
    }
    await waitFor(`${MESSAGES} messages at the homeserver`, () => hsAt.size >= MESSAGES, 60_000);
    await world.hs.pusher.waitIdle(30_000);
    const after = await world.bridge.stats();
    const pauses = await world.bridge.pauses();
    offHs();
    offObserver();

    const probes = await world.bridge.probes();
    const read = firstStamps(probes.ircRead);
    const fetched = firstStamps(probes.fetchSend);
    const bridge: number[] = [];
    for (let id = 1; id <= MESSAGES; id++) {
      const r = read.get(id);
      const f = fetched.get(id);
      if (r !== undefined && f !== undefined) bridge.push(f - r);
    }
    const e2e = [...hsAt].map(([id, at]) => at - sentAt.get(id)!);
    const relay = [...observedAt].map(([id, at]) => at - sentAt.get(id)!);
    const b = distribution(bridge);
    const e = distribution(e2e);
    return {
      metrics: {
        bridgeP50: b.p50, bridgeP95: b.p95, bridgeP99: b.p99, bridgeMax: b.max,
        e2eP50: e.p50, e2eP99: e.p99,
        relayP50: distribution(relay).p50,
        cpuPerMsg: cpuMs(before, after) / MESSAGES,
        unmatched: MESSAGES - bridge.length,
        loopDelayMax: pauses.loopDelayMaxMs,
        gcMax: pauses.gcMaxMs,
        gcTotal: pauses.gcTotalMs,
      },
    };
  } finally {
    await quitAll(senders);
    await world.close();
  }
}
