/**
 * Mass reconnect: N puppets (default 5,000, 100 per channel) are connected; ngIRCd is stopped
 * and started again on the same port; how long until every puppet is back and in its channel,
 * against how fast ngIRCd takes the same number of plain clients (the server's floor).
 */
import { cpuMs } from '../bridge/process';
import { nowMs, sleep, TimeoutError } from '../time';
import { World } from '../world';
import { MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { joinUsers, matrixUsers, waitForPuppets } from './puppets';
import { plainClientFloor } from './senders';

const PER_CHANNEL = 100;
const POLL_MS = 100;
const RECONNECT_DEADLINE_MS = 300_000;
/** ngIRCd listens with a backlog of 10 (conn.c): more connects in flight only get SYNs dropped. */
const FLOOR_CONCURRENCY = 10;

export const reconnect: Scenario = {
  name: 'reconnect',
  title: 'Mass reconnect after the IRC server restarts',
  measures: 'N puppets (--reconnect-puppets, default 5,000; 100 per channel) are connected through Matrix joins. ngIRCd is '
    + 'stopped (SIGTERM: every connection closes) and started again on the same port (--reconnect-outage seconds later, default at once). From the moment the new server accepts '
    + 'connections: back = the puppet\'s connection registered again (001), rejoined = the server confirmed its channel JOIN, '
    + 'both stamped in the bridge process by listeners on each puppet\'s connection events. The bridge\'s connect gate is --reconnect-rate (default 10,000/s, its maximum) and its first retry comes after 0.5–1 s '
    + '(reconnect.base_delay_seconds 1 with jitter), so the time after that is the bridge\'s or the server\'s. Floor = N plain '
    + `clients connecting and joining straight to a fresh ngIRCd on the same port, ${FLOOR_CONCURRENCY} at a time (its listen backlog), after the bridge stopped.`,
  metrics: {
    puppets: { unit: 'count', label: 'puppets (N)' },
    allBackSeconds: { unit: 's', label: 'server up → all N registered again' },
    downToAllBackSeconds: { unit: 's', label: 'server stopped → all N back in their channel' },
    allRejoinedSeconds: { unit: 's', label: 'server up → all N back in their channel' },
    firstBackSeconds: { unit: 's', label: 'server up → first puppet back' },
    p50BackSeconds: { unit: 's', label: 'server up → half back' },
    p90BackSeconds: { unit: 's', label: 'server up → 90% back' },
    reconnectRate: { unit: 'conn/s', label: 'reconnect + rejoin rate (first back → all rejoined)' },
    serverFloorRate: { unit: 'conn/s', label: 'floor: plain clients connect + join rate' },
    vsFloor: { unit: '×', label: 'bridge rate / floor rate' },
    connectSeconds: { unit: 's', label: 'initial connect of N (via Matrix joins)' },
    failedAttempts: { unit: 'count', label: 'reconnect attempts that failed (then backed off)' },
    gateRate: { unit: 'conn/s', label: 'bridge connect gate (connect_rate_per_second)' },
    cpuPerReconnect: { unit: 'ms', label: 'bridge CPU per reconnect' },
    peakRss: { unit: 'MiB', label: 'bridge peak RSS' },
    homeserverRequests: { unit: 'count', label: 'homeserver requests during the reconnect' },
  },
  targets: [{ metric: 'vsFloor', op: '>=', value: 0.8, text: 'all back at the rate the IRC server allows (≥ 0.8 × the plain-client floor)' }],
  run: runReconnect,
};

function requestCounts(world: World): Map<string, number> {
  return new Map(world.hs.requests);
}

/** Homeserver requests since `before`, by route: total and a readable list. */
function requestsSince(world: World, before: Map<string, number>): { total: number; text: string } {
  const parts: string[] = [];
  let total = 0;
  for (const [route, count] of world.hs.requests) {
    const delta = count - (before.get(route) ?? 0);
    if (delta > 0) parts.push(`${route} × ${delta}`);
    total += delta;
  }
  return { total, text: parts.join(', ') };
}

async function runReconnect(ctx: RunContext): Promise<RunResult> {
  const n = ctx.options.reconnectPuppets;
  const rooms = Math.max(1, Math.ceil(n / PER_CHANNEL));
  const world = await World.create({
    ctx, scenario: 'reconnect', rooms, instrument: false, network: { connect_rate_per_second: ctx.options.reconnectRate },
  });
  try {
    const t0 = nowMs();
    joinUsers(world, matrixUsers(n), (i) => i % rooms);
    await waitForPuppets(world, n, 600_000);
    const connectSeconds = (nowMs() - t0) / 1000;
    await world.hs.pusher.waitIdle(60_000);
    const ready = await world.bridge.puppets();
    if (ready.connected !== n) throw new Error(`only ${ready.connected} of ${n} puppets connected before the restart`);

    const requestsBefore = requestCounts(world);
    const watchedPuppets = await world.bridge.watch();
    const retriesBefore = await world.bridge.metric('bridgekit_irc_reconnects_total', { kind: 'puppet' });
    const before = await world.bridge.stats();
    const { stoppedAt, upAt } = await world.ircd.restart(ctx.options.reconnectOutageSeconds * 1000);
    ctx.log(`ngIRCd restarted; waiting for ${watchedPuppets} puppets`);
    const deadline = upAt + RECONNECT_DEADLINE_MS;
    let lastLog = nowMs();
    for (;;) {
      const counts = await world.bridge.puppets();
      const at = nowMs();
      if (counts.registeredSinceWatch >= n && counts.joinedSinceWatch >= n) break;
      if (at > deadline) throw new TimeoutError(`after ${RECONNECT_DEADLINE_MS / 1000} s only ${counts.registeredSinceWatch} of ${n} puppets were back, ${counts.joinedSinceWatch} in their channel`);
      if (at - lastLog > 5000) {
        lastLog = at;
        ctx.log(`${((at - upAt) / 1000).toFixed(1)} s: ${counts.registeredSinceWatch} back, ${counts.joinedSinceWatch} rejoined`);
      }
      await sleep(POLL_MS);
    }
    const times = await world.bridge.watched();
    const registered = times.registered.sort((a, b) => a - b);
    const joined = times.joined.sort((a, b) => a - b);
    const firstBack = registered[0]!;
    const allBack = registered[n - 1]!;
    const allRejoined = joined[n - 1]!;
    const after = await world.bridge.stats();
    // Every puppet schedules one reconnect when the server goes away; more are failed attempts.
    const failedAttempts = (await world.bridge.metric('bridgekit_irc_reconnects_total', { kind: 'puppet' })) - retriesBefore - n;
    const peakRss = world.bridge.peakRss();
    await world.hs.pusher.waitIdle(60_000);
    const requests = requestsSince(world, requestsBefore);
    const { botConnected } = await world.bridge.puppets();
    await world.bridge.stop();
    // A fresh server: the old one is still working through the bridge's N QUITs (ngIRCd walks
    // every channel membership for each), which at 10,000 kept the floor's first client from registering.
    await world.ircd.restart();
    const floor = n / (await plainClientFloor(world.ircd.port, n, FLOOR_CONCURRENCY, (i) => `#floor${i % rooms}`));
    const rate = n / Math.max(0.001, (allRejoined - firstBack) / 1000);
    return {
      metrics: {
        puppets: n,
        allBackSeconds: (allBack - upAt) / 1000,
        allRejoinedSeconds: (allRejoined - upAt) / 1000,
        downToAllBackSeconds: (allRejoined - stoppedAt) / 1000,
        firstBackSeconds: (firstBack - upAt) / 1000,
        p50BackSeconds: (registered[Math.floor(n / 2)]! - upAt) / 1000,
        p90BackSeconds: (registered[Math.floor(n * 0.9)]! - upAt) / 1000,
        reconnectRate: rate,
        serverFloorRate: floor,
        vsFloor: rate / floor,
        connectSeconds,
        failedAttempts,
        gateRate: ctx.options.reconnectRate,
        cpuPerReconnect: cpuMs(before, after) / n,
        peakRss: peakRss / MIB,
        homeserverRequests: requests.total,
      },
      notes: [
        ...(botConnected ? [] : ['the bot was not connected at the end']),
        ...(requests.total ? [`homeserver requests during the reconnect: ${requests.text}`] : []),
      ],
    };
  } finally {
    await world.close();
  }
}
