/**
 * The side-by-side scenarios: each runs one world with one bridge (reference or Bridgekit) and
 * measures it from outside, so both are timed and charged the same way. What each one times is
 * in its `measures` text, copied into the result file.
 */
import { MIB, KIB } from '../scenario';
import { percentile } from '../stats';
import { nowMs, sleep, waitFor } from '../time';
import { benchText, connectSenders, markerOf, quitAll } from '../scenarios/senders';
import { joinUsers, matrixUsers, waitForPuppets } from '../scenarios/puppets';
import { SideWorld, type Bridge } from './side-world';

export interface SideScenario {
  name: string;
  measures: string;
  /** metric → [unit, label]; the first is the headline. */
  metrics: Record<string, [unit: string, label: string]>;
  run(bridge: Bridge, keep: boolean): Promise<SideResult>;
}

export interface SideResult {
  metrics: Record<string, number>;
  /** Requests the fake homeserver did not know (answered 404), so a gap in it shows in the results. */
  unexpected: string[];
}

const SENDERS = 10;
const PER_SENDER = 200;
const WARMUP_PER_SENDER = 3;
const PUPPETS = 200;

async function withWorld(bridge: Bridge, keep: boolean, body: (world: SideWorld) => Promise<Record<string, number>>, inspect = false): Promise<SideResult> {
  const world = await SideWorld.create({ bridge, rooms: 1, keep, inspect });
  try {
    const metrics = await body(world);
    return { metrics, unexpected: [...world.hs.unexpected] };
  } finally {
    await world.close();
  }
}

const startup: SideScenario = {
  name: 'startup',
  measures: 'Spawn of the real program (empty store) → the appservice port accepts a TCP connection (polled every 2 ms) and the '
    + 'observer has seen the bot JOIN its channel; CPU = the process\'s user + system time at that moment.',
  metrics: { readyMs: ['ms', 'startup to ready'], portMs: ['ms', 'spawn → port open'], cpuMs: ['ms', 'CPU spawn → ready'] },
  run: (bridge, keep) => withWorld(bridge, keep, async (world) => {
    const cpu = world.cpuMs();
    return { readyMs: Math.max(world.portAt, world.botJoinedAt) - world.spawnedAt, portMs: world.portAt - world.spawnedAt, cpuMs: cpu };
  }),
};

const burst: SideScenario = {
  name: 'burst',
  measures: '10 IRC users each write 200 lines into the bridged channel at once (one socket write each), after 3 warm-up lines '
    + 'each (ghosts registered and joined). msg/s = 2,000 / (last line received by the homeserver − first write). CPU = bridge '
    + 'user + system time from the first write until the homeserver has pushed back, and the bridge accepted, the echo of '
    + 'every event, / 2,000.',
  metrics: {
    throughput: ['msg/s', 'IRC → Matrix burst, 10 senders × 200 lines'], cpuPerMsg: ['ms', 'bridge CPU per IRC line (echo included)'],
    outOfOrder: ['count', 'lines out of order per sender'], lost: ['count', 'lines lost'],
  },
  run: (bridge, keep) => withWorld(bridge, keep, async (world) => {
    const channel = world.channels[0]!;
    const senders = await connectSenders(world.ircd.port, SENDERS, channel);
    try {
      senders.forEach((s, i) => s.sendMany(Array.from({ length: WARMUP_PER_SENDER }, (_, j) => `PRIVMSG ${channel} :warm-up ${i}.${j}`)));
      await waitFor('the warm-up lines at the homeserver', () => world.hs.messages.length >= SENDERS * WARMUP_PER_SENDER, 60_000);
      await world.settle(500, 30_000);
      const total = SENDERS * PER_SENDER;
      const received = new Map<number, number>();
      const order: number[][] = Array.from({ length: SENDERS }, () => []);
      const off = world.hs.onMessage((m) => {
        const id = markerOf(m.body);
        if (id === undefined || received.has(id)) return;
        received.set(id, m.at);
        order[Math.floor((id - 1) / PER_SENDER)]!.push(id);
      });
      const cpu0 = world.cpuMs();
      const t0 = nowMs();
      senders.forEach((s, i) => s.sendMany(Array.from({ length: PER_SENDER }, (_, j) => `PRIVMSG ${channel} :${benchText(i * PER_SENDER + j + 1)}`)));
      await waitFor(`${total} messages at the homeserver`, () => received.size >= total, 180_000, 2).catch(() => undefined);
      const last = Math.max(...received.values());
      await world.hs.pusher.waitIdle(60_000);
      const cpu = world.cpuMs() - cpu0;
      off();
      const outOfOrder = order.reduce((n, ids) => n + ids.filter((id, k) => k > 0 && id < ids[k - 1]!).length, 0);
      return { throughput: received.size / ((last - t0) / 1000), cpuPerMsg: cpu / received.size, outOfOrder, lost: total - received.size };
    } finally {
      await quitAll(senders);
    }
  }),
};

const connectAndSay: SideScenario = {
  name: 'connect',
  measures: '200 Matrix users join the bridged room at once (the homeserver batches them 100 per transaction, as Synapse does) → '
    + 'the observer has seen all 200 puppets JOIN the channel. Then, with all 200 connected and the bridge idle, each user sends '
    + 'one line at once (200 events, two transactions): Matrix → IRC msg/s = 200 / (last line seen by the observer − push), '
    + 'one line per puppet so that neither bridge\'s per-connection flood control is what is timed.',
  metrics: {
    seconds: ['s', 'connect + join 200 puppets'], cpuPerPuppet: ['ms', 'bridge CPU per puppet connected'],
    matrixThroughput: ['msg/s', 'Matrix → IRC burst over 200 puppets'], matrixP50: ['ms', 'Matrix → IRC push → seen on IRC, p50'],
    cpuPerMatrixMsg: ['ms', 'bridge CPU per Matrix → IRC line'], matrixLost: ['count', 'Matrix → IRC lines lost'],
  },
  run: (bridge, keep) => withWorld(bridge, keep, async (world) => {
    const users = matrixUsers(PUPPETS);
    const cpu0 = world.cpuMs();
    const t0 = nowMs();
    joinUsers(world, users);
    await waitForPuppets(world, PUPPETS, 180_000);
    const seconds = (nowMs() - t0) / 1000;
    const cpuConnect = world.cpuMs() - cpu0;
    await world.settle(1000, 30_000);

    const seen = new Map<number, number>();
    const off = world.observer.onLine((l) => {
      const id = l.command === 'PRIVMSG' ? markerOf(l.params[1] ?? '') : undefined;
      if (id !== undefined && !seen.has(id)) seen.set(id, l.at);
    });
    const cpu1 = world.cpuMs();
    const t1 = nowMs();
    users.forEach((u, i) => world.hs.userSays(world.roomIds[0]!, u.userId, benchText(i + 1)));
    await waitFor(`${PUPPETS} lines on IRC`, () => seen.size >= PUPPETS, 60_000, 2).catch(() => undefined);
    const last = Math.max(...seen.values());
    await world.settle(500, 10_000);
    const cpuSay = world.cpuMs() - cpu1;
    off();
    return {
      seconds, cpuPerPuppet: cpuConnect / PUPPETS,
      matrixThroughput: seen.size / ((last - t1) / 1000), matrixP50: percentile([...seen.values()].map((at) => at - t1), 50),
      cpuPerMatrixMsg: cpuSay / Math.max(1, seen.size), matrixLost: PUPPETS - seen.size,
    };
  }),
};

/** RSS once the bridge is idle, after full GCs forced through its inspector; the median of 3 such readings. */
async function steadyRss(world: SideWorld): Promise<number> {
  await world.settle(1000, 30_000);
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    await world.gc();
    await sleep(500);
    samples.push(world.rss());
  }
  return percentile(samples, 50);
}

const memory: SideScenario = {
  name: 'memory',
  measures: '50 Matrix users join → 50 puppets on IRC, settle (no homeserver traffic for 1 s), then 3 × (two full GCs '
    + 'forced through the bridge\'s inspector, 0.5 s, read RSS), median; then 150 more → 200, same reading. Slope = (RSS at '
    + '200 − RSS at 50) / 150. Both bridges run with --inspect=127.0.0.1:0 in this scenario only, read the same way.',
  metrics: { perConnection: ['KiB', 'steady RSS per IRC connection (slope 50 → 200)'], rss50: ['MiB', 'RSS with 50 puppets'], rss200: ['MiB', 'RSS with 200 puppets'] },
  run: (bridge, keep) => withWorld(bridge, keep, async (world) => {
    const users = matrixUsers(PUPPETS);
    joinUsers(world, users.slice(0, 50));
    await waitForPuppets(world, 50, 120_000);
    const rss50 = await steadyRss(world);
    joinUsers(world, users.slice(50));
    await waitForPuppets(world, PUPPETS, 180_000);
    const rss200 = await steadyRss(world);
    return { perConnection: (rss200 - rss50) / 150 / KIB, rss50: rss50 / MIB, rss200: rss200 / MIB };
  }, true),
};

export const SIDE_SCENARIOS: SideScenario[] = [startup, burst, connectAndSay, memory];
