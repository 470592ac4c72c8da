/**
 * Endurance: the chaos soak's traffic (both directions through one bridge process) in
 * compressed time, to tell a leak from allocator noise. Memory is read only after full GCs at
 * evenly spaced checkpoints, and the slope per 10,000 messages after a warm-up is what counts.
 */
import type { ChildStats } from '../bridge/protocol';
import { MIB, KIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { leastSquaresSlope } from '../stats';
import { nowMs } from '../time';
import { World } from '../world';
import { InFlight, IrcPool, MatrixPool } from './endurance-traffic';
import { markerOf } from './senders';
import { heapSnapshot, settledStats } from './settled';

const ROOMS = 4;
const IRC_USERS = 8;
const MATRIX_USERS = 8;
/** Messages in flight per direction before the sender waits: steady flow, no backlog building up. */
const WINDOW = 40;
const CHECKPOINTS = 12;
/** Checkpoints before this one are warm-up (the first sixth of the messages). */
const WARM_CHECKPOINT = 2;
const STALL_MS = 120_000;
const PER = 10_000;

export const endurance: Scenario = {
  name: 'endurance',
  title: 'Endurance: heap and RSS over many messages both ways',
  measures: `The bridge runs in its own process with --expose-gc, on ${ROOMS} bridged rooms. ${IRC_USERS} plain IRC users and `
    + `${MATRIX_USERS} Matrix users (each with a puppet) take turns, every user in every room; IRC → Matrix and Matrix → IRC `
    + `alternate, at most ${WINDOW} in flight per direction, each counted by its marker on the other side. Unless churn is 0, `
    + 'every `churn` messages of a direction its oldest user goes (IRC: QUIT; Matrix: leaves every room, the puppet parts and '
    + 'is disconnected after 15 s idle; with max_connections 400 the pool keeps at most 1,000 records of such users) and a user with a new name comes. At checkpoint 0 (pools in, nothing said) and after '
    + `each ${CHECKPOINTS}th of the messages: everything delivered, a pause, full GCs, then heap used, external, arrayBuffers, RSS `
    + 'and the sizes of the bridge\'s bounded caches (bridgekit_cache_size) and puppet records. Slopes are least squares over '
    + `the checkpoints from the ${WARM_CHECKPOINT}nd on, per ${PER.toLocaleString('en-US')} messages.`,
  metrics: {
    heapSlope: { unit: 'KiB/10k msg', label: 'heap used slope after warm-up' },
    externalSlope: { unit: 'KiB/10k msg', label: 'external slope after warm-up' },
    arrayBuffersSlope: { unit: 'KiB/10k msg', label: 'arrayBuffers slope after warm-up' },
    rssSlope: { unit: 'KiB/10k msg', label: 'RSS slope after warm-up' },
    heapWarm: { unit: 'MiB', label: 'heap used after warm-up' },
    heapEnd: { unit: 'MiB', label: 'heap used at the end' },
    rssWarm: { unit: 'MiB', label: 'RSS after warm-up' },
    rssEnd: { unit: 'MiB', label: 'RSS at the end' },
    messages: { unit: 'msg', label: 'messages delivered (both ways)' },
    rate: { unit: 'msg/s', label: 'delivery rate, checkpoints excluded' },
    ircUsers: { unit: 'users', label: 'IRC users who came (pool included)' },
    matrixUsers: { unit: 'users', label: 'Matrix users who came (pool included)' },
  },
  targets: [],
  onDemand: true,
  run: runEndurance,
};

interface Checkpoint {
  messages: number;
  memory: NodeJS.MemoryUsage;
  caches: Record<string, number>;
  puppets: number;
  connected: number;
  /** Ghost joins/leaves waiting for the bridge's membership pacing, and dropped because its queue was full. */
  ghostQueued: number;
  ghostDropped: number;
}

async function checkpoint(world: World, messages: number, stats: ChildStats): Promise<Checkpoint> {
  const caches = await world.bridge.metricBy('bridgekit_cache_size', 'cache');
  const puppets = await world.bridge.puppets();
  const ghostQueued = await world.bridge.metric('bridgekit_irc_ghost_membership_queued');
  const ghostDropped = await world.bridge.metric('bridgekit_irc_ghost_membership_dropped_total');
  return { messages, memory: stats.memory, caches, puppets: puppets.total, connected: puppets.connected, ghostQueued, ghostDropped };
}

function row(c: Checkpoint): string {
  const m = c.memory;
  const mib = (n: number) => (n / MIB).toFixed(2);
  const caches = Object.entries(c.caches).map(([k, v]) => `${k} ${v}`).join(', ');
  return `after ${c.messages.toLocaleString('en-US')} msg: heap used ${mib(m.heapUsed)} MiB, heap total ${mib(m.heapTotal)}, `
    + `external ${mib(m.external)}, arrayBuffers ${mib(m.arrayBuffers)}, RSS ${mib(m.rss)}; puppet records ${c.puppets} `
    + `(${c.connected} connected); ghost joins/leaves queued ${c.ghostQueued}, dropped ${c.ghostDropped}; caches: ${caches}`;
}

async function runEndurance(ctx: RunContext): Promise<RunResult> {
  const total = ctx.options.enduranceMessages;
  const churn = ctx.options.enduranceChurn;
  const every = Math.max(2, Math.ceil(total / CHECKPOINTS / 2) * 2);
  const world = await World.create({
    ctx, scenario: 'endurance', rooms: ROOMS, instrument: false, nodeArgs: ['--expose-gc'],
    // Loopback ngIRCd has no flood limit: the bridge's own would only slow the run down. Idle
    // puppets of departed users disconnect, as a deployment with churn would configure; 400
    // connections (far above the ~100 connected at once here) keep the pool's records of
    // departed users at its floor of 1,000, which a run with enough churn reaches.
    network: { flood: { burst: 100, lines_per_second: 100, max_queued: 1000 }, puppets: { max_connections: 400, idle_timeout_seconds: 15 } },
  });
  const irc = new IrcPool(world);
  const matrix = new MatrixPool(world);
  const toMatrix = new InFlight('IRC → Matrix');
  const toIrc = new InFlight('Matrix → IRC');
  const offHs = world.hs.onMessage((m) => {
    const id = markerOf(m.body);
    if (id !== undefined) toMatrix.seen(id);
  });
  const offObserver = world.observer.onLine((l) => {
    const id = l.command === 'PRIVMSG' && l.from.endsWith('[m]') ? markerOf(l.params[1] ?? '') : undefined;
    if (id !== undefined) toIrc.seen(id);
  });
  try {
    await irc.fill(IRC_USERS);
    matrix.fill(MATRIX_USERS);
    const points: Checkpoint[] = [];
    const take = async (messages: number): Promise<void> => {
      await toMatrix.drain(0, STALL_MS);
      await toIrc.drain(0, STALL_MS);
      points.push(await checkpoint(world, messages, await settledStats(world)));
      ctx.log(row(points[points.length - 1]!));
      if (points.length - 1 === WARM_CHECKPOINT) await heapSnapshot(ctx, world, 'endurance', 'warm');
    };
    await take(0);
    let talkingMs = 0;
    let from = nowMs();
    for (let id = 1; id <= total; id++) {
      const ircSide = id % 2 === 1;
      const flight = ircSide ? toMatrix : toIrc;
      if (flight.size >= WINDOW) await flight.drain(WINDOW / 2, STALL_MS);
      flight.add(id);
      if (ircSide) irc.say(id);
      else matrix.say(id);
      const nth = Math.ceil(id / 2);
      if (churn > 0 && nth % churn === 0) {
        if (ircSide) await irc.replaceOldest();
        else matrix.replaceOldest();
      }
      if (id % every === 0 || id === total) {
        talkingMs += nowMs() - from;
        await take(id);
        from = nowMs();
      }
    }
    await heapSnapshot(ctx, world, 'endurance', 'end');

    const warm = points.slice(WARM_CHECKPOINT);
    const slope = (field: keyof NodeJS.MemoryUsage) => leastSquaresSlope(warm.map((p) => p.messages / PER), warm.map((p) => p.memory[field])) / KIB;
    const first = warm[0]!.memory;
    const last = points[points.length - 1]!.memory;
    return {
      metrics: {
        heapSlope: slope('heapUsed'),
        externalSlope: slope('external'),
        arrayBuffersSlope: slope('arrayBuffers'),
        rssSlope: slope('rss'),
        heapWarm: first.heapUsed / MIB,
        heapEnd: last.heapUsed / MIB,
        rssWarm: first.rss / MIB,
        rssEnd: last.rss / MIB,
        messages: toMatrix.arrived + toIrc.arrived,
        rate: (toMatrix.arrived + toIrc.arrived) / (talkingMs / 1000),
        ircUsers: irc.created,
        matrixUsers: matrix.created,
      },
      notes: [
        `${total.toLocaleString('en-US')} messages, churn ${churn || 'none'}, checkpoints every ${every.toLocaleString('en-US')}:`,
        ...points.map(row),
        ...(ctx.options.heapSnapshotDir ? ['heap snapshots were taken after the warm-up checkpoint: RSS after it includes what the snapshot left behind'] : []),
        ...(world.hs.unexpected.length ? [`unexpected homeserver requests: ${world.hs.unexpected.join(', ')}`] : []),
      ],
    };
  } finally {
    offHs();
    offObserver();
    await irc.close();
    await world.close();
  }
}
