/**
 * Many rooms on one bridge: N static portals (IRC channel ↔ Matrix room) with the same total
 * traffic spread over all of them, for several N, so each cost can be read as a function of the
 * room count. A second series keeps the largest N and changes `ingest.room_concurrency` under a
 * homeserver that takes time to answer each send, to show whether that setting bounds latency.
 */
import { cpuMs } from '../bridge/process';
import { MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { nowMs, waitFor } from '../time';
import { World } from '../world';
import { ircToMatrix, IRC_SPEAKERS, MATRIX_SPEAKERS, matrixToIrc, type DirectionResult } from './rooms-traffic';
import { settledStats } from './settled';

/** The core's default `ingest.room_concurrency` (config/core-schema.ts). */
const DEFAULT_ROOM_CONCURRENCY = 8;
const MESSAGES = 1000;
const IRC_RATE = 100;
const MATRIX_RATE = 50;
/**
 * The bot asks each channel's modes after joining it, one MODE line per channel through its
 * flood bucket: at the bench's usual 5 lines/s, 1,000 channels keep it busy for 200 s. A bot in
 * a thousand channels needs a network that lets it send faster (an exempt or oper'd bot), so
 * these worlds allow 50 lines/s; set-up waits until that queue is empty, so the traffic is
 * measured on a settled bridge.
 */
const FLOOD = { burst: 10, lines_per_second: 50, max_queued: 1000 };

interface Variant {
  rooms: number;
  /** undefined: the default. */
  concurrency?: number;
  sendDelayMs: number;
}

/** Metric key prefix of a variant: `n1000` (main series) or `n1000c8d40` (concurrency series). */
function prefix(v: Variant): string {
  return v.sendDelayMs > 0 ? `n${v.rooms}c${v.concurrency ?? DEFAULT_ROOM_CONCURRENCY}d${v.sendDelayMs}` : `n${v.rooms}`;
}

function describe(v: Variant): string {
  return v.sendDelayMs > 0 ? `${v.rooms} rooms, room_concurrency ${v.concurrency ?? DEFAULT_ROOM_CONCURRENCY}, sends answered after ${v.sendDelayMs} ms` : `${v.rooms} rooms`;
}

const PER_VARIANT: Array<[key: string, unit: string, label: string]> = [
  ['setupSeconds', 's', 'set-up: bridge spawned → bot joined every channel'],
  ['setupCpuMs', 'ms', 'bridge CPU from spawn to every channel joined'],
  ['modesSyncedSeconds', 's', 'set-up: bridge spawned → bot send queue empty (every channel\'s modes asked)'],
  ['rssAfterSetup', 'MiB', 'RSS after set-up, after full GCs'],
  ['ircP50', 'ms', 'IRC → Matrix bridge latency p50'],
  ['ircP95', 'ms', 'IRC → Matrix p95'],
  ['ircP99', 'ms', 'IRC → Matrix p99'],
  ['ircMax', 'ms', 'IRC → Matrix max'],
  ['ircCpuPerMsg', 'ms', 'IRC → Matrix bridge CPU per message (echo included)'],
  ['ircSeconds', 's', 'IRC → Matrix: first line sent → last at the homeserver'],
  ['ircUnmatched', 'count', 'IRC → Matrix messages without both probe stamps'],
  ['mxP50', 'ms', 'Matrix → IRC bridge latency p50'],
  ['mxP95', 'ms', 'Matrix → IRC p95'],
  ['mxP99', 'ms', 'Matrix → IRC p99'],
  ['mxMax', 'ms', 'Matrix → IRC max'],
  ['mxCpuPerMsg', 'ms', 'Matrix → IRC bridge CPU per message'],
  ['mxSeconds', 's', 'Matrix → IRC: first push → last line on IRC'],
  ['mxUnmatched', 'count', 'Matrix → IRC messages without both probe stamps'],
  ['rssAfterTraffic', 'MiB', 'RSS after the traffic, after full GCs'],
  ['peakRss', 'MiB', 'peak RSS of the world'],
];

function variants(ctx: RunContext): Variant[] {
  const { roomsCounts, roomsConcurrency, roomsSendDelayMs } = ctx.options;
  const largest = Math.max(...roomsCounts);
  const series: Variant[] = roomsCounts.map((rooms) => ({ rooms, sendDelayMs: 0 }));
  if (roomsSendDelayMs > 0 && roomsConcurrency.length > 0) {
    const values = [...new Set([DEFAULT_ROOM_CONCURRENCY, ...roomsConcurrency])].sort((a, b) => a - b);
    for (const c of values) series.push({ rooms: largest, ...(c === DEFAULT_ROOM_CONCURRENCY ? {} : { concurrency: c }), sendDelayMs: roomsSendDelayMs });
  }
  return series;
}

/** The metric table depends on the options: filled in before the first run (summaries read it after the runs). */
function declareMetrics(ctx: RunContext): void {
  for (const v of variants(ctx)) {
    for (const [key, unit, label] of PER_VARIANT) rooms.metrics[`${prefix(v)}.${key}`] = { unit, label: `${describe(v)}: ${label}` };
  }
}

export const rooms: Scenario = {
  name: 'rooms',
  title: 'Many rooms: latency, CPU, RSS and set-up against the room count',
  onDemand: true,
  measures: `For each room count N (--rooms-counts), a fresh world with N static portals #bench<i> ↔ !bench<i>: set-up = bridge `
    + `spawned → the observer has seen the bot JOIN all N channels (the static rooms are linked and joined at start), and → `
    + `the bot's send queue is empty (it asks every channel's modes; the flood bucket is 50 lines/s in these worlds, 5 elsewhere). Then `
    + `${MESSAGES} IRC → Matrix lines at ${IRC_RATE}/s from ${IRC_SPEAKERS} IRC users, line i into channel i mod N, and `
    + `${MESSAGES} Matrix → IRC messages at ${MATRIX_RATE}/s from ${MATRIX_SPEAKERS} Matrix users (one puppet each), message i `
    + `into room i mod N: the same total rate at every N. Every speaker first joins and says one warm-up line in each room it `
    + `uses (ghost joins, puppet connects and channel joins are not in the timed part). Bridge latency as in irc-paced and `
    + `matrix-paced (probes at the bridge's I/O edges, so it includes waiting in the room queues); CPU per message from the `
    + `bridge's own cpuUsage over the timed part; RSS from /proc after full GCs. Then the largest N again with `
    + `ingest.room_concurrency at its default (${DEFAULT_ROOM_CONCURRENCY}) and each of --rooms-concurrency, while the fake `
    + `homeserver answers every message send only after --rooms-send-delay ms (its echo is pushed at once): at concurrency C `
    + `at most C sends are in flight, so IRC → Matrix can go at most C × 1000 / delay lines/s.`,
  metrics: {},
  targets: [],
  async run(ctx: RunContext): Promise<RunResult> {
    declareMetrics(ctx);
    const metrics: Record<string, number> = {};
    const notes: string[] = [];
    for (const v of variants(ctx)) {
      ctx.log(`${describe(v)}`);
      const result = await runVariant(ctx, v, notes);
      for (const [key, value] of Object.entries(result)) metrics[`${prefix(v)}.${key}`] = value;
    }
    return { metrics, notes };
  },
};

async function runVariant(ctx: RunContext, v: Variant, notes: string[]): Promise<Record<string, number>> {
  const world = await World.create({
    ctx, scenario: `rooms-${prefix(v)}`, rooms: v.rooms, instrument: true, nodeArgs: ['--expose-gc'],
    joinTimeoutMs: 60_000 + 60 * v.rooms, network: { flood: FLOOD },
    ...(v.concurrency !== undefined ? { roomConcurrency: v.concurrency } : {}),
    ...(v.sendDelayMs > 0 ? { hsSendDelayMs: v.sendDelayMs } : {}),
  });
  try {
    const setupSeconds = (world.botJoinedAt - world.bridge.spawnedAt) / 1000;
    const setup = await world.bridge.stats();
    const setupCpuMs = (setup.cpu.user + setup.cpu.system) / 1000;
    await waitFor('the bot\'s send queue to empty', async () => (await world.bridge.puppets()).botQueued === 0, 60_000 + (3000 * v.rooms) / FLOOD.lines_per_second, 50);
    const modesSyncedSeconds = (nowMs() - world.bridge.spawnedAt) / 1000;
    const rssAfterSetup = (await settledStats(world), world.bridge.rss() / MIB);
    // A slow homeserver with one send at a time takes messages × delay: bound the waits by that.
    const slowest = v.sendDelayMs > 0 ? (MESSAGES * v.sendDelayMs) / (v.concurrency ?? DEFAULT_ROOM_CONCURRENCY) : 0;
    const timeoutMs = 120_000 + 2 * slowest;
    const t0 = nowMs();
    const irc = await ircToMatrix(world, { messages: MESSAGES, ratePerSecond: IRC_RATE, timeoutMs }, ctx.log);
    const mx = await matrixToIrc(world, { messages: MESSAGES, ratePerSecond: MATRIX_RATE, timeoutMs }, ctx.log);
    const settled = await settledStats(world);
    ctx.log(`${describe(v)}: set-up ${setupSeconds.toFixed(2)} s, traffic ${((nowMs() - t0) / 1000).toFixed(1)} s, IRC → Matrix p50/p99 ${irc.p50.toFixed(2)}/${irc.p99.toFixed(2)} ms, Matrix → IRC ${mx.p50.toFixed(2)}/${mx.p99.toFixed(2)} ms, CPU after set-up ${cpuMs(setup, settled).toFixed(0)} ms`);
    if (world.hs.unexpected.length) notes.push(`${describe(v)}: unexpected homeserver requests: ${world.hs.unexpected.join(', ')}`);
    return {
      setupSeconds, setupCpuMs, modesSyncedSeconds, rssAfterSetup,
      ...directionMetrics('irc', irc), ...directionMetrics('mx', mx),
      rssAfterTraffic: world.bridge.rss() / MIB,
      peakRss: world.bridge.peakRss() / MIB,
    };
  } finally {
    await world.close();
  }
}

function directionMetrics(side: 'irc' | 'mx', r: DirectionResult): Record<string, number> {
  return {
    [`${side}P50`]: r.p50, [`${side}P95`]: r.p95, [`${side}P99`]: r.p99, [`${side}Max`]: r.max,
    [`${side}CpuPerMsg`]: r.cpuPerMsg, [`${side}Seconds`]: r.seconds, [`${side}Unmatched`]: r.unmatched,
  };
}

