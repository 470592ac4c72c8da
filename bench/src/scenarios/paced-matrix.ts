/**
 * Matrix → IRC at a steady 50 messages/s spread over 200 Matrix users, each with their own
 * puppet connection (connected first, through the join-on-demand handler). This is also "the
 * 200-puppet run" whose peak RSS is a target.
 */
import { cpuMs } from '../bridge/process';
import { distribution } from '../stats';
import { nowMs, sleep, waitFor } from '../time';
import { World } from '../world';
import { MIB, type RunContext, type RunResult, type Scenario } from '../scenario';
import { matrixToIrcSamples } from './txn-latency';
import { joinUsers, matrixUsers, waitForPuppets } from './puppets';
import { benchText, markerOf } from './senders';

const PUPPETS = 200;
const RATE_PER_SECOND = 50;
const MESSAGES = 500;

export const pacedMatrix: Scenario = {
  name: 'matrix-paced',
  title: 'Matrix → IRC paced, 50 msg/s over 200 puppets',
  measures: 'Bridge latency = time the puppet\'s socket write() of the PRIVMSG was called − time the homeserver\'s transaction '
    + 'request carrying the event reached the bridge (node\'s http.server.request.start diagnostics channel), both stamped '
    + 'inside the bridge process. It includes body parsing, persisting the transaction, the room queue, rendering and flood '
    + 'control; flood-control waits are summed separately from the puppets\' own counters (with burst 10 and 5 lines/s per '
    + 'puppet, none are expected at this rate). End to end = observer receive time − time the fake homeserver queued the event '
    + '(adds transaction batching, ngIRCd). Peak RSS = the kernel\'s high-water mark (VmHWM) of the bridge process over the '
    + 'whole run, puppet connects included.',
  metrics: {
    bridgeP50: { unit: 'ms', label: 'bridge latency p50' },
    bridgeP95: { unit: 'ms', label: 'bridge latency p95' },
    bridgeP99: { unit: 'ms', label: 'bridge latency p99' },
    bridgeMax: { unit: 'ms', label: 'bridge latency max' },
    bridgeOver3: { unit: 'count', label: 'messages over 3 ms in the bridge (the p99 target allows 5)' },
    e2eP50: { unit: 'ms', label: 'end to end p50 (HS queue → observer)' },
    e2eP99: { unit: 'ms', label: 'end to end p99' },
    floodDelayed: { unit: 'lines', label: 'lines that waited for flood control' },
    floodWaitMs: { unit: 'ms', label: 'total flood-control wait' },
    cpuPerMsg: { unit: 'ms', label: 'bridge CPU per message' },
    connectSeconds: { unit: 's', label: 'connect 200 puppets (probes on)' },
    peakRss: { unit: 'MiB', label: 'peak RSS of the run' },
    unmatched: { unit: 'count', label: 'messages without both probe stamps' },
    loopDelayMax: { unit: 'ms', label: 'longest event-loop stall of the bridge' },
    gcMax: { unit: 'ms', label: 'longest GC pause of the bridge' },
    gcTotal: { unit: 'ms', label: 'GC pauses, total' },
  },
  targets: [
    { metric: 'bridgeP50', op: '<=', value: 1, text: 'bridge latency p50 ≤ 1 ms' },
    { metric: 'bridgeP99', op: '<=', value: 3, text: 'bridge latency p99 ≤ 3 ms' },
    { metric: 'peakRss', op: '<=', value: 80, text: 'peak RSS in the 200-puppet run ≤ 80 MiB' },
  ],
  run: runPacedMatrix,
};

async function runPacedMatrix(ctx: RunContext): Promise<RunResult> {
  const world = await World.create({ ctx, scenario: 'matrix-paced', rooms: 1, instrument: true });
  const roomId = world.roomIds[0]!;
  try {
    const users = matrixUsers(PUPPETS);
    const connectStart = nowMs();
    joinUsers(world, users);
    await waitForPuppets(world, PUPPETS, 120_000);
    const connectSeconds = (nowMs() - connectStart) / 1000;
    await world.hs.pusher.waitIdle(30_000);
    await world.bridge.probes();
    const floodBefore = await world.bridge.puppets();

    const queuedAt = new Map<number, number>();
    const idOfEvent = new Map<string, number>();
    const observedAt = new Map<number, number>();
    const offObserver = world.observer.onLine((l) => {
      const id = l.command === 'PRIVMSG' ? markerOf(l.params[1] ?? '') : undefined;
      if (id !== undefined && !observedAt.has(id)) observedAt.set(id, l.at);
    });
    const txnsBefore = world.hs.pusher.transactions.length;
    await world.bridge.pauses();
    const before = await world.bridge.stats();
    const t0 = nowMs();
    for (let i = 0; i < MESSAGES; i++) {
      const due = t0 + (i * 1000) / RATE_PER_SECOND;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      const id = i + 1;
      const event = world.hs.userSays(roomId, users[i % PUPPETS]!.userId, benchText(id));
      queuedAt.set(id, nowMs());
      idOfEvent.set(event.event_id, id);
    }
    await waitFor(`${MESSAGES} lines on IRC (seen ${observedAt.size})`, () => observedAt.size >= MESSAGES, 60_000);
    const after = await world.bridge.stats();
    const pauses = await world.bridge.pauses();
    offObserver();
    const floodAfter = await world.bridge.puppets();
    const peakRss = world.bridge.peakRss();

    const probes = await world.bridge.probes();
    const bridge = matrixToIrcSamples(probes, world.hs.pusher.transactions.slice(txnsBefore), idOfEvent, MESSAGES);
    const b = distribution(bridge);
    const e = distribution([...observedAt].map(([id, at]) => at - queuedAt.get(id)!));
    return {
      metrics: {
        bridgeP50: b.p50, bridgeP95: b.p95, bridgeP99: b.p99, bridgeMax: b.max,
        // Steadier than the 5th-worst value: how many messages a stall (checkpoint, GC) pushed past the target.
        bridgeOver3: bridge.filter((ms) => ms > 3).length,
        e2eP50: e.p50, e2eP99: e.p99,
        floodDelayed: floodAfter.floodDelayed - floodBefore.floodDelayed,
        floodWaitMs: floodAfter.floodWaitMs - floodBefore.floodWaitMs,
        cpuPerMsg: cpuMs(before, after) / MESSAGES,
        connectSeconds,
        peakRss: peakRss / MIB,
        unmatched: MESSAGES - bridge.length,
        loopDelayMax: pauses.loopDelayMaxMs,
        gcMax: pauses.gcMaxMs,
        gcTotal: pauses.gcTotalMs,
      },
      notes: world.hs.unexpected.length ? [`unexpected homeserver requests: ${world.hs.unexpected.join(', ')}`] : [],
    };
  } finally {
    await world.close();
  }
}
