/**
 * The puppet scale series: for each count N of --scale-puppets (default 1,000, 3,000, 10,000),
 * a fresh world with N idle puppets on one bridge against one ngIRCd, measuring what a count
 * costs (connect time and CPU, RSS, idle CPU, time back after an IRC server restart) and, over
 * the series, how each cost grows with N (scale-growth.ts). ngIRCd's own CPU is read beside the
 * bridge's, because at these counts the server is the first thing that slows down.
 */
import { writeFileSync } from 'node:fs';
import { cpuMs } from '../bridge/process';
import { processCpuMs } from '../proc';
import { KIB, MIB, type MetricSpec, type RunContext, type RunResult, type Scenario, type SuiteOptions } from '../scenario';
import { nowMs, sleep, withTimeout } from '../time';
import { World } from '../world';
import { joinUsers, matrixUsers, puppetsSeen } from './puppets';
import { growthFit, growthWord } from './scale-growth';
import { plainClientFloor } from './senders';
import { settledStats } from './settled';

const WARMUP = 20;
/** Longer than the bridge's keepalive (PING after 30 s of silence), so every puppet's ping is in it. */
const IDLE_MS = 35_000;
const POLL_MS = 200;
const PROGRESS_MS = 10_000;
/** ngIRCd's listen backlog (conn.c): the plain-client floor keeps this many connects in flight. */
const FLOOR_CONCURRENCY = 10;

/** Per count: `<name>@<N>`. */
const PER_COUNT: Record<string, MetricSpec> = {
  connectSeconds: { unit: 's', label: 'Matrix joins sent → all N puppets seen joined on IRC' },
  connectRate: { unit: 'conn/s', label: 'connect + join rate' },
  floorRate: { unit: 'conn/s', label: 'floor: plain clients connect + join rate, same server and channels' },
  connectCpuPerPuppet: { unit: 'ms', label: 'bridge CPU per puppet connected' },
  ircdConnectCpuPerPuppet: { unit: 'ms', label: 'ngIRCd CPU per puppet connected' },
  rss: { unit: 'MiB', label: 'bridge RSS with all N idle, after GC' },
  rssPerPuppet: { unit: 'KiB', label: 'RSS delta per puppet (after GC)' },
  heapPerPuppet: { unit: 'KiB', label: 'JS heap used delta per puppet' },
  idleBaselineCpuPercent: { unit: '%', label: `bridge CPU idle with only the ${WARMUP} warm-up puppets (of one core, over ${IDLE_MS / 1000} s)` },
  idleCpuPercent: { unit: '%', label: `bridge CPU while all sit idle (of one core, over ${IDLE_MS / 1000} s)` },
  ircdIdleCpuPercent: { unit: '%', label: 'ngIRCd CPU over the same idle window' },
  reconnectRegisteredSeconds: { unit: 's', label: 'IRC server up again → all N registered' },
  reconnectSeconds: { unit: 's', label: 'IRC server up again → all N back in their channel' },
  reconnectCpuPerPuppet: { unit: 'ms', label: 'bridge CPU per puppet reconnected' },
  ircdReconnectCpuPerPuppet: { unit: 'ms', label: 'ngIRCd CPU per puppet reconnected' },
  failedAttempts: { unit: 'count', label: 'reconnect attempts that failed (then backed off)' },
  gcMsConnect: { unit: 'ms', label: 'bridge GC pauses, summed, while connecting N' },
  gcMsReconnect: { unit: 'ms', label: 'bridge GC pauses, summed, while all come back after the restart' },
  peakRssConnect: { unit: 'MiB', label: 'bridge peak RSS (VmHWM) while connecting N' },
  peakRssReconnect: { unit: 'MiB', label: 'bridge peak RSS (VmHWM) while all come back after the restart' },
  peakRss: { unit: 'MiB', label: 'bridge peak RSS (VmHWM) over the run' },
  rssAfterReconnect: { unit: 'MiB', label: 'bridge RSS after all came back, after GC (against the RSS before the restart: nothing kept of the old connections)' },
};

/** Over the series: `growth:<name>`, the exponent k of cost ∝ N^k for a total cost. */
const GROWTH: Record<string, string> = {
  connectSeconds: 'time to connect all',
  connectCpu: 'bridge CPU to connect all',
  ircdConnectCpu: 'ngIRCd CPU to connect all',
  rssDelta: 'RSS of the puppets (delta after GC)',
  idleCpu: 'bridge idle CPU the puppets add (all idle − warm-up only)',
  reconnectSeconds: 'time until all are back after a restart',
  reconnectCpu: 'bridge CPU to bring all back',
};

export function scaleMetrics(options: Pick<SuiteOptions, 'scalePuppets'>): Record<string, MetricSpec> {
  const out: Record<string, MetricSpec> = {};
  for (const n of options.scalePuppets) {
    for (const [name, spec] of Object.entries(PER_COUNT)) out[`${name}@${n}`] = { unit: spec.unit, label: `N=${n.toLocaleString('en-US')}: ${spec.label}` };
  }
  if (options.scalePuppets.length > 1) {
    for (const [name, label] of Object.entries(GROWTH)) out[`growth:${name}`] = { unit: 'k', label: `growth of ${label}: cost ∝ N^k over the series (1 = linear)` };
  }
  return out;
}

export const scale: Scenario = {
  name: 'scale',
  title: 'Puppet scale series: N idle puppets on one bridge',
  measures: 'For each N of --scale-puppets (a fresh ngIRCd, homeserver and bridge each): 20 warm-up puppets, full GCs, RSS before; '
    + 'N Matrix users join (--scale-per-channel per channel, default 100, so the server\'s JOIN fan-out and NAMES stay per channel), '
    + 'timed until the IRC observer has seen all N join; bridge and ngIRCd CPU from /proc over that connect; full GCs, RSS after; '
    + `${IDLE_MS / 1000} s with nothing happening (bridge and ngIRCd CPU); ngIRCd restarted on the same port and timed until every `
    + 'puppet registered and rejoined (stamped in the bridge); then the bridge stops and N plain clients connect and join the same '
    + `channels ${FLOOR_CONCURRENCY} at a time (the server's floor). The connect gate is --reconnect-rate (default 10,000/s), puppets.max_connections N + 20. `
    + 'growth:* is the exponent k of a total cost ∝ N^k, least squares on log–log over the counts.',
  metrics: scaleMetrics({ scalePuppets: [1000, 3000, 10_000] }),
  metricsFor: scaleMetrics,
  targets: [],
  onDemand: true,
  run: runScale,
};

interface CountResult {
  metrics: Record<string, number>;
  notes: string[];
  /** Totals for the growth fit. */
  totals: Partial<Record<keyof typeof GROWTH, number>>;
}

async function runScale(ctx: RunContext): Promise<RunResult> {
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const totals = new Map<number, CountResult['totals']>();
  for (const n of ctx.options.scalePuppets) {
    const result = await runCount(ctx, n);
    for (const [name, value] of Object.entries(result.metrics)) metrics[`${name}@${n}`] = value;
    notes.push(...result.notes.map((note) => `N=${n}: ${note}`));
    totals.set(n, result.totals);
  }
  if (ctx.options.scalePuppets.length > 1) {
    for (const name of Object.keys(GROWTH) as Array<keyof typeof GROWTH>) {
      const k = growthFit([...totals].map(([n, t]) => ({ n, cost: t[name] })));
      metrics[`growth:${name}`] = k;
      notes.push(`${GROWTH[name]}: ${growthWord(k)} (k = ${Number.isFinite(k) ? k.toFixed(2) : '—'})`);
    }
  }
  return { metrics, notes };
}

/** How long a count may take for each of its two long waits: 2 minutes plus 60 ms per puppet. */
function deadlineMs(ctx: RunContext, n: number): number {
  return ctx.options.scaleTimeoutSeconds !== undefined ? ctx.options.scaleTimeoutSeconds * 1000 : 120_000 + n * 60;
}

async function runCount(ctx: RunContext, n: number): Promise<CountResult> {
  const perChannel = ctx.options.scalePerChannel;
  const rooms = Math.max(1, Math.ceil(n / perChannel));
  const log = (m: string) => ctx.log(`N=${n}: ${m}`);
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const totals: CountResult['totals'] = {};
  const world = await World.create({
    ctx, scenario: `scale-${n}`, rooms, instrument: false, nodeArgs: ['--expose-gc'],
    network: { connect_rate_per_second: ctx.options.reconnectRate, puppets: { max_connections: n + WARMUP } },
  });
  const ircdCpu = () => processCpuMs(world.ircd.pid) ?? NaN;
  try {
    joinUsers(world, matrixUsers(WARMUP, 0, 'warm'), (i) => i % rooms);
    await waitSeen(world, WARMUP, 60_000, log);
    const before = await settledStats(world);
    metrics.idleBaselineCpuPercent = await idleCpuPercent(world);

    // Connect: every user joins at once, as a homeserver would deliver a crowd of joins.
    resetPeakRss(world.bridge.pid);
    await world.bridge.pauses(); // from here
    const cpu0 = await world.bridge.stats();
    const ircd0 = ircdCpu();
    const t0 = nowMs();
    joinUsers(world, matrixUsers(n), (i) => i % rooms);
    const seen = await waitSeen(world, WARMUP + n, deadlineMs(ctx, n), log);
    const connectMs = nowMs() - t0;
    const cpu1 = await world.bridge.stats();
    const ircd1 = ircdCpu();
    if (seen < WARMUP + n) {
      const counts = await world.bridge.puppets();
      notes.push(`connect did not finish: ${seen - WARMUP} of ${n} seen joined after ${(connectMs / 1000).toFixed(0)} s; the bridge had ${counts.connected - WARMUP} connected, ngIRCd used ${((ircd1 - ircd0) / 1000).toFixed(1)} s of CPU, the bridge ${(cpuMs(cpu0, cpu1) / 1000).toFixed(1)} s`);
      metrics.peakRss = world.bridge.peakRss() / MIB;
      return { metrics, notes, totals };
    }
    metrics.peakRssConnect = world.bridge.peakRss() / MIB;
    metrics.gcMsConnect = (await world.bridge.pauses()).gcTotalMs;
    metrics.connectSeconds = connectMs / 1000;
    metrics.connectRate = n / (connectMs / 1000);
    metrics.connectCpuPerPuppet = cpuMs(cpu0, cpu1) / n;
    metrics.ircdConnectCpuPerPuppet = (ircd1 - ircd0) / n;
    totals.connectSeconds = connectMs / 1000;
    totals.connectCpu = cpuMs(cpu0, cpu1);
    totals.ircdConnectCpu = ircd1 - ircd0;
    log(`all connected in ${metrics.connectSeconds.toFixed(1)} s`);

    const after = await settledStats(world);
    resetPeakRss(world.bridge.pid);
    metrics.rss = after.memory.rss / MIB;
    metrics.rssPerPuppet = (after.memory.rss - before.memory.rss) / n / KIB;
    metrics.heapPerPuppet = (after.memory.heapUsed - before.memory.heapUsed) / n / KIB;
    totals.rssDelta = after.memory.rss - before.memory.rss;

    const idleIrcd0 = ircdCpu();
    metrics.idleCpuPercent = await idleCpuPercent(world);
    metrics.ircdIdleCpuPercent = ((ircdCpu() - idleIrcd0) / IDLE_MS) * 100;
    totals.idleCpu = metrics.idleCpuPercent - metrics.idleBaselineCpuPercent;

    await reconnectAfterRestart(ctx, world, n, metrics, notes, totals, log);
    metrics.peakRssReconnect = world.bridge.peakRss() / MIB;
    metrics.peakRss = Math.max(metrics.peakRssConnect, metrics.peakRssReconnect);
    if (metrics.reconnectSeconds !== undefined) metrics.rssAfterReconnect = (await settledStats(world)).memory.rss / MIB;

    await world.bridge.stop();
    // A fresh server for the floor: the old one is still busy with the bridge's N QUITs (ngIRCd
    // walks every channel membership for each).
    await world.ircd.restart();
    const floorMs = deadlineMs(ctx, n);
    const floorSeconds = await withTimeout(plainClientFloor(world.ircd.port, n, FLOOR_CONCURRENCY, (i) => world.channels[i % rooms]!), floorMs, `${n} plain clients`)
      .catch((error: Error) => {
        notes.push(`plain-client floor not measured: ${error.message}`);
        return NaN;
      });
    metrics.floorRate = n / floorSeconds;
    return { metrics, notes, totals };
  } finally {
    await world.close();
  }
}

/** Restart ngIRCd; time until every puppet (warm-up ones included) is registered and in its channel again. */
async function reconnectAfterRestart(
  ctx: RunContext, world: World, n: number, metrics: Record<string, number>, notes: string[], totals: CountResult['totals'], log: (m: string) => void,
): Promise<void> {
  const all = n + WARMUP;
  const watched = await world.bridge.watch();
  const retriesBefore = await world.bridge.metric('bridgekit_irc_reconnects_total', { kind: 'puppet' });
  const before = await world.bridge.stats();
  await world.bridge.pauses(); // from here
  const { upAt } = await world.ircd.restart();
  // The new server process: its CPU from zero.
  const ircd0 = processCpuMs(world.ircd.pid) ?? NaN;
  const deadline = upAt + deadlineMs(ctx, n);
  let lastLog = nowMs();
  for (;;) {
    const counts = await world.bridge.puppets();
    const at = nowMs();
    if (counts.registeredSinceWatch >= watched && counts.joinedSinceWatch >= watched) break;
    if (at > deadline) {
      notes.push(`after the restart only ${counts.registeredSinceWatch} of ${all} were registered and ${counts.joinedSinceWatch} back in their channel within ${((deadline - upAt) / 1000).toFixed(0)} s`);
      return;
    }
    if (at - lastLog > PROGRESS_MS) {
      lastLog = at;
      log(`${((at - upAt) / 1000).toFixed(0)} s after the restart: ${counts.registeredSinceWatch} registered, ${counts.joinedSinceWatch} rejoined`);
    }
    await sleep(POLL_MS);
  }
  const after = await world.bridge.stats();
  metrics.gcMsReconnect = (await world.bridge.pauses()).gcTotalMs;
  const ircd1 = processCpuMs(world.ircd.pid) ?? NaN;
  const times = await world.bridge.watched();
  const registered = times.registered.sort((a, b) => a - b);
  const joined = times.joined.sort((a, b) => a - b);
  metrics.reconnectRegisteredSeconds = (registered[registered.length - 1]! - upAt) / 1000;
  metrics.reconnectSeconds = (joined[joined.length - 1]! - upAt) / 1000;
  metrics.reconnectCpuPerPuppet = cpuMs(before, after) / all;
  metrics.ircdReconnectCpuPerPuppet = (ircd1 - ircd0) / all;
  // Every puppet schedules one reconnect when the server goes away; more are failed attempts.
  metrics.failedAttempts = (await world.bridge.metric('bridgekit_irc_reconnects_total', { kind: 'puppet' })) - retriesBefore - all;
  totals.reconnectSeconds = metrics.reconnectSeconds;
  totals.reconnectCpu = cpuMs(before, after);
  log(`all back ${metrics.reconnectSeconds.toFixed(1)} s after the restart`);
}

/**
 * Starts the kernel's peak-RSS mark (VmHWM) afresh at the current RSS, so a phase's peak can be
 * read on its own ("5" to clear_refs, Linux ≥ 4.0; the harness runs as the bridge's owner).
 */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** The bridge's CPU over IDLE_MS in which nothing happens, in % of one core. */
async function idleCpuPercent(world: World): Promise<number> {
  const from = await world.bridge.stats();
  await sleep(IDLE_MS);
  return (cpuMs(from, await world.bridge.stats()) / IDLE_MS) * 100;
}

/** Waits until the observer has seen `count` puppets join, or the deadline; returns how many it saw. */
async function waitSeen(world: World, count: number, timeoutMs: number, log: (m: string) => void): Promise<number> {
  const start = nowMs();
  let lastLog = start;
  for (;;) {
    const seen = puppetsSeen(world);
    if (seen >= count) return seen;
    const at = nowMs();
    if (at - start > timeoutMs) return seen;
    if (at - lastLog > PROGRESS_MS) {
      lastLog = at;
      log(`${((at - start) / 1000).toFixed(0)} s: ${seen} of ${count} seen joined`);
    }
    await sleep(POLL_MS);
  }
}
