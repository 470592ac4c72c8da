/**
 * Connect 200 puppets: 200 Matrix users join a bridged room at once; the bridge connects a
 * puppet for each and joins it to the channel. Compared with the same 200 connections made by
 * plain clients straight to ngIRCd (the server-bound floor).
 */
import { cpuMs } from '../bridge/process';
import { nowMs } from '../time';
import { World } from '../world';
import { MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { joinUsers, matrixUsers, puppetsSeen, waitForPuppets } from './puppets';
import { plainClientFloor } from './senders';

const PUPPETS = 200;
/** ngIRCd listens with a backlog of 10 (conn.c): more connects in flight only get SYNs dropped. */
const FLOOR_CONCURRENCY = 10;

export const connect: Scenario = {
  name: 'connect',
  title: 'Connect 200 puppets (ngIRCd)',
  measures: 'Time from the fake homeserver queueing 200 member joins (two transactions of 100, as Synapse batches them) until '
    + 'the observer in the channel has seen all 200 puppets JOIN (TCP connect, NICK/USER → 001, JOIN, all through the '
    + 'bridge). The floor is 200 plain clients connecting straight to ngIRCd and joining a channel, 10 at a time (ngIRCd listens with a backlog of 10; more at once only get SYNs dropped and retried after 1 s). All joins are '
    + 'in one room, and the bridge handles a room\'s events one after another.',
  metrics: {
    seconds: { unit: 's', label: 'all 200 puppets joined' },
    firstJoinMs: { unit: 'ms', label: 'first puppet joined' },
    serverFloorSeconds: { unit: 's', label: 'floor: 200 plain clients, 10 at a time' },
    cpuPerPuppet: { unit: 'ms', label: 'bridge CPU per puppet' },
    systemCpuPerPuppet: { unit: 'ms', label: 'of which in the kernel (system time: sockets, loopback)' },
    peakRss: { unit: 'MiB', label: 'bridge peak RSS' },
    peakRssBeforeJoins: { unit: 'MiB', label: 'bridge peak RSS before the joins (start-up and the floor)' },
    rssAtJoins: { unit: 'MiB', label: 'bridge RSS when the joins start' },
  },
  targets: [{ metric: 'seconds', op: '<=', value: 0.3, text: '≤ 0.3 s' }],
  run: runConnect,
};

async function runConnect(ctx: RunContext): Promise<RunResult> {
  const world = await World.create({ ctx, scenario: 'connect', rooms: 1, instrument: false });
  try {
    const floor = await plainClientFloor(world.ircd.port, PUPPETS, FLOOR_CONCURRENCY, () => '#floor');
    let firstJoin = 0;
    const off = world.observer.onLine((l) => {
      if (!firstJoin && l.command === 'JOIN' && l.from.endsWith('[m]')) firstJoin = l.at;
    });
    const before = await world.bridge.stats();
    const peakRssBeforeJoins = world.bridge.peakRss() / MIB;
    const rssAtJoins = world.bridge.rss() / MIB;
    const t0 = nowMs();
    joinUsers(world, matrixUsers(PUPPETS));
    await waitForPuppets(world, PUPPETS, 120_000);
    const seconds = (nowMs() - t0) / 1000;
    const after = await world.bridge.stats();
    off();
    return {
      metrics: {
        seconds,
        firstJoinMs: firstJoin - t0,
        serverFloorSeconds: floor,
        cpuPerPuppet: cpuMs(before, after) / puppetsSeen(world),
        systemCpuPerPuppet: (after.cpu.system - before.cpu.system) / 1000 / puppetsSeen(world),
        peakRss: world.bridge.peakRss() / MIB,
        peakRssBeforeJoins,
        rssAtJoins,
      },
    };
  } finally {
    await world.close();
  }
}
