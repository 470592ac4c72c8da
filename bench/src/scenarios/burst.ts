/**
 * IRC → Matrix burst: 10 IRC users each write 200 lines into one bridged channel at once (one
 * socket write each); the bridge relays all 2,000 to the fake homeserver, which pushes every
 * resulting event back to the bridge (the echo) as Synapse would.
 */
import { cpuMs } from '../bridge/process';
import { startPerfRecord } from '../perf-record';
import { distribution } from '../stats';
import { nowMs, waitFor } from '../time';
import { World } from '../world';
import { MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { benchText, connectSenders, markerOf, quitAll } from './senders';

const SENDERS = 10;
const PER_SENDER = 200;

export const burst: Scenario = {
  name: 'burst',
  title: 'IRC → Matrix burst, 10 senders × 200 lines, with echo',
  measures: 'Throughput = 2,000 / (time the fake homeserver received the last message − time the senders wrote the first line). '
    + '"with echo" ends when the bridge has also accepted the echo transactions of all 2,000 events. CPU = bridge process '
    + 'user+system time over the same span (echo included) / 2,000. The observer\'s receive time of the last line is '
    + 'ngIRCd\'s own ceiling (it relays the same lines to the bridge and to the observer). Ghosts are warmed up first '
    + '(registered, profile set, joined); with the default 3 warm-up lines per sender the code is still cold (V8 optimizes '
    + 'during the timed span), `--burst-warmup 400` measures a bridge whose line path is optimized.',
  metrics: {
    throughput: { unit: 'msg/s', label: 'throughput to the homeserver' },
    throughputWithEcho: { unit: 'msg/s', label: 'throughput incl. echo accepted' },
    ircdRelay: { unit: 'msg/s', label: 'ngIRCd relay rate (observer)' },
    cpuPerMsg: { unit: 'ms', label: 'bridge CPU per message' },
    cpuTotal: { unit: 'ms', label: 'bridge CPU total' },
    cpuSystemShare: { unit: '%', label: 'bridge CPU in the kernel (system)' },
    latencyP50: { unit: 'ms', label: 'IRC send → HS receive p50' },
    latencyP99: { unit: 'ms', label: 'IRC send → HS receive p99' },
    outOfOrder: { unit: 'count', label: 'messages out of order per sender' },
    eventsPerTxn: { unit: 'events', label: 'echo events per transaction' },
    rss: { unit: 'MiB', label: 'bridge RSS after' },
    storeCpuPerMsg: { unit: 'ms', label: 'PostgreSQL CPU per message (--store postgres)' },
    storeCommitsPerMsg: { unit: 'commits', label: 'PostgreSQL commits per message (--store postgres)' },
    storeWalPerMsg: { unit: 'bytes', label: 'PostgreSQL WAL per message (--store postgres)' },
  },
  targets: [
    { metric: 'throughput', op: '>=', value: 5000, text: '≥ 5,000 msg/s' },
    { metric: 'cpuPerMsg', op: '<=', value: 0.2, text: 'CPU ≤ 0.2 ms per message' },
  ],
  run: runBurst,
};

async function runBurst(ctx: RunContext): Promise<RunResult> {
  const world = await World.create({ ctx, scenario: 'burst', rooms: 1, instrument: false });
  const channel = world.channels[0]!;
  const senders = await connectSenders(world.ircd.port, SENDERS, channel);
  try {
    // Warm-up: every ghost registered, named and joined before the clock starts; with a larger
    // --burst-warmup, V8 has also optimized the line path (otherwise its compiler threads take
    // about a third of the timed span's CPU).
    const WARMUP_PER_SENDER = ctx.options.burstWarmup;
    senders.forEach((s, i) => s.sendMany(Array.from({ length: WARMUP_PER_SENDER }, (_, j) => `PRIVMSG ${channel} :warm-up ${i}.${j}`)));
    await waitFor('the warm-up lines at the homeserver', () => world.hs.messages.length >= SENDERS * WARMUP_PER_SENDER, 120_000);
    await world.hs.pusher.waitIdle(30_000);
    const txnsBefore = world.hs.pusher.transactions.length;
    const eventsBefore = world.hs.pusher.eventsPushed;

    const total = SENDERS * PER_SENDER;
    const sentAt = new Map<number, number>();
    const senderOf = new Map<number, number>();
    const received = new Map<number, number>();
    const order: number[][] = Array.from({ length: SENDERS }, () => []);
    let observedLast = 0;
    let observed = 0;
    const offObserver = world.observer.onLine((line) => {
      if (line.command === 'PRIVMSG' && markerOf(line.params[1] ?? '') !== undefined) {
        observed++;
        observedLast = line.at;
      }
    });
    const offHs = world.hs.onMessage((m) => {
      const id = markerOf(m.body);
      if (id === undefined || received.has(id)) return;
      received.set(id, m.at);
      order[senderOf.get(id)!]!.push(id);
    });

    const countersBefore = await world.postgres?.counters();
    const perfDir = ctx.options.perfRecordDir;
    const perf = perfDir ? await startPerfRecord(perfDir, `burst-run${ctx.run}`, world.bridge.pid) : undefined;
    const before = await world.bridge.stats();
    const storeBefore = world.postgres?.cpuMs();
    const t0 = nowMs();
    senders.forEach((s, i) => {
      const lines: string[] = [];
      for (let j = 0; j < PER_SENDER; j++) {
        const id = i * PER_SENDER + j + 1;
        sentAt.set(id, t0);
        senderOf.set(id, i);
        lines.push(`PRIVMSG ${channel} :${benchText(id)}`);
      }
      s.sendMany(lines);
    });
    await waitFor(`${total} messages at the homeserver`, () => received.size >= total, 120_000, 2);
    const lastReceived = Math.max(...received.values());
    await world.hs.pusher.waitIdle(60_000);
    const echoDone = world.hs.pusher.transactions.at(-1)?.doneAt ?? nowMs();
    const after = await world.bridge.stats();
    const storeCpu = storeBefore === undefined ? undefined : world.postgres!.cpuMs() - storeBefore;
    await perf?.stop();
    await waitFor('the observer to see every line', () => observed >= total, 30_000);
    offObserver();
    offHs();
    const countersAfter = await world.postgres?.counters();

    const latencies = [...received.entries()].map(([id, at]) => at - sentAt.get(id)!);
    const d = distribution(latencies);
    const outOfOrder = order.reduce((n, ids) => n + ids.filter((id, k) => k > 0 && id < ids[k - 1]!).length, 0);
    const cpu = cpuMs(before, after);
    const txns = world.hs.pusher.transactions.length - txnsBefore;
    return {
      metrics: {
        throughput: total / ((lastReceived - t0) / 1000),
        throughputWithEcho: total / ((echoDone - t0) / 1000),
        ircdRelay: total / ((observedLast - t0) / 1000),
        cpuPerMsg: cpu / total,
        cpuTotal: cpu,
        cpuSystemShare: (100 * (after.cpu.system - before.cpu.system)) / 1000 / cpu,
        latencyP50: d.p50,
        latencyP99: d.p99,
        outOfOrder,
        eventsPerTxn: (world.hs.pusher.eventsPushed - eventsBefore) / Math.max(1, txns),
        rss: after.memory.rss / MIB,
        ...(storeCpu === undefined ? {} : { storeCpuPerMsg: storeCpu / total }),
        ...(countersBefore && countersAfter ? {
          storeCommitsPerMsg: (countersAfter.commits - countersBefore.commits) / total, storeWalPerMsg: (countersAfter.walBytes - countersBefore.walBytes) / total,
        } : {}),
      },
      notes: world.hs.unexpected.length ? [`unexpected homeserver requests: ${world.hs.unexpected.join(', ')}`] : [],
    };
  } finally {
    await quitAll(senders);
    await world.close();
  }
}
