/**
 * Memory per idle IRC connection: steady RSS of the bridge with N more puppets connected and
 * idle, minus before, divided by N. Puppets are spread over 10 channels of N/10, so the number
 * is about connections, not about one giant channel's member lists.
 */
import { KIB, MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { cpuMs } from '../bridge/process';
import { sleep } from '../time';
import { heapSnapshot, settledStats } from './settled';
import { World } from '../world';
import { joinUsers, matrixUsers, waitForPuppets } from './puppets';

const ROOMS = 10;
const WARMUP_PUPPETS = 20;
const IDLE_MS = 10_000;

export const memory: Scenario = {
  name: 'memory',
  title: 'Memory per idle IRC connection (1,000 puppets)',
  measures: 'The bridge runs in its own process with --expose-gc. After 20 warm-up puppets (so lazily loaded code and caches '
    + 'are already paid for), a full GC, and a pause: RSS before. Then N puppets connect and join (N/10 per channel, 10 '
    + 'channels); once all are seen on IRC and the homeserver has delivered everything: a pause, a full GC, RSS after. '
    + '(RSS after − RSS before) / N. Heap and external (buffers) deltas per connection show where it goes.',
  metrics: {
    rssPerConnection: { unit: 'KiB', label: 'RSS delta per connection' },
    heapPerConnection: { unit: 'KiB', label: 'JS heap used delta per connection' },
    heapTotalPerConnection: { unit: 'KiB', label: 'JS heap reserved (heapTotal) delta per connection' },
    externalPerConnection: { unit: 'KiB', label: 'external (buffers) delta per connection' },
    rssBefore: { unit: 'MiB', label: 'RSS before' },
    rssAfter: { unit: 'MiB', label: 'RSS after' },
    connectSeconds: { unit: 's', label: 'time to connect all' },
    idleCpuPercent: { unit: '%', label: 'bridge CPU while all sit idle (of one core, over 10 s)' },
  },
  targets: [{ metric: 'rssPerConnection', op: '<=', value: 40, text: 'steady RSS delta / N ≤ 40 KiB' }],
  run: runMemory,
};

async function runMemory(ctx: RunContext): Promise<RunResult> {
  const n = ctx.options.memoryPuppets;
  // The limit must admit the warm-up puppets too (the bench's default 10,000 refused the last 20 of a 10,000 run).
  const world = await World.create({
    ctx, scenario: 'memory', rooms: ROOMS, instrument: false, nodeArgs: ['--expose-gc'],
    network: { puppets: { max_connections: Math.max(10_000, WARMUP_PUPPETS + n) } },
  });
  try {
    joinUsers(world, matrixUsers(WARMUP_PUPPETS, 0, 'warm'), (i) => i % ROOMS);
    await waitForPuppets(world, WARMUP_PUPPETS, 60_000);
    const before = await settledStats(world);
    await heapSnapshot(ctx, world, 'memory', 'before');

    const t0 = Date.now();
    joinUsers(world, matrixUsers(n), (i) => i % ROOMS);
    await waitForPuppets(world, WARMUP_PUPPETS + n, 300_000);
    const connectSeconds = (Date.now() - t0) / 1000;
    const after = await settledStats(world);
    await heapSnapshot(ctx, world, 'memory', 'after');
    // Idle cost: nothing happens on either side; what remains is the bridge's own timers (pings,
    // flood buckets, health) and the server's PINGs to every connection.
    const idleFrom = await world.bridge.stats();
    await sleep(IDLE_MS);
    const idleTo = await world.bridge.stats();
    const puppets = await world.bridge.puppets();
    const per = (field: 'rss' | 'heapUsed' | 'heapTotal' | 'external') => (after.memory[field] - before.memory[field]) / n / KIB;
    return {
      metrics: {
        rssPerConnection: per('rss'),
        heapPerConnection: per('heapUsed'),
        heapTotalPerConnection: per('heapTotal'),
        externalPerConnection: per('external'),
        rssBefore: before.memory.rss / MIB,
        rssAfter: after.memory.rss / MIB,
        connectSeconds,
        idleCpuPercent: (cpuMs(idleFrom, idleTo) / IDLE_MS) * 100,
      },
      notes: [
        ...(puppets.connected === WARMUP_PUPPETS + n ? [] : [`only ${puppets.connected} of ${WARMUP_PUPPETS + n} puppets were connected at the end`]),
        ...(ctx.options.heapSnapshotDir ? ['heap snapshots were taken: the RSS after includes what the first snapshot left behind'] : []),
      ],
    };
  } finally {
    await world.close();
  }
}
