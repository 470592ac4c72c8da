/**
 * `npm run bench:synapse [-- --runs 3 --lines 200 --keep]`: IRC → Matrix lines per second against
 * the real Synapse of the e2e stack (needs `bash test/e2e/setup synapse` and ngIRCd), and what
 * bounds it. One sitting, measurements interleaved per run:
 *  - bridge, one room: one IRC user pastes N lines into one channel; lines/s = N ÷ (time the
 *    watching Matrix user's /sync returned the last line − time the first line was written);
 *  - bridge, 10 rooms: ten users paste N lines each into ten channels at once (room_concurrency 8,
 *    the default, unless --room-concurrency);
 *  - Synapse alone, awaited: the appservice sends N messages to one room itself, one request at
 *    a time, as a bridge that awaits each send must: the floor for one room in order;
 *  - Synapse alone, pipelined: the same with 8 requests in flight, txnIds in order, and whether
 *    the room's timeline kept their order (it decides whether a bridge may pipeline a room).
 * Every bridge run also checks that each user's lines arrived complete and in order.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encode, matrixRequest } from '../../test/e2e/harness/matrix-http';
import { channelName, DOMAIN } from '../src/bridge/config';
import { RawIrcClient } from '../src/irc-client';
import { benchText, markerOf, quitAll } from '../src/scenarios/senders';
import { spread } from '../src/stats';
import { nowMs, waitFor } from '../src/time';
import { SynapseWorld, type Arrival } from './world';

const ROOMS = 10;
const PIPELINE_WINDOW = 8;

interface Figures { [name: string]: number }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, lines: { type: 'string', default: '200' }, 'room-concurrency': { type: 'string' }, keep: { type: 'boolean', default: false }, out: { type: 'string' } } });
  const runs = Number(values.runs);
  const lines = Number(values.lines);
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join('/');
  const loadBefore = load();
  const world = await SynapseWorld.create({ rooms: ROOMS, keep: values.keep, ...(values['room-concurrency'] ? { roomConcurrency: Number(values['room-concurrency']) } : {}) });
  const results: Figures[] = [];
  try {
    const senders = await Promise.all(Array.from({ length: ROOMS }, (_, i) => RawIrcClient.connect(world.ircd.port, `paster${i}`)));
    await Promise.all(senders.map((s, i) => s.join(channelName(i, ROOMS))));
    // Warm-up: each user's ghost is registered and joined to its room by its first line.
    await pasteAndWait(world, senders, 1, 0);
    const direct = await directSender(world);
    let next = 1_000;
    for (let run = 1; run <= runs; run++) {
      const oneRoom = await pasteAndWait(world, senders.slice(0, 1), lines, next);
      next += lines;
      const tenRooms = await pasteAndWait(world, senders, lines, next);
      next += lines * ROOMS;
      const awaited = await direct(lines, 1, next);
      next += lines;
      const pipelined = await direct(lines, PIPELINE_WINDOW, next);
      next += lines;
      const figures = {
        oneRoomLinesPerSecond: oneRoom.linesPerSecond, tenRoomsLinesPerSecond: tenRooms.linesPerSecond,
        synapseAwaitedLinesPerSecond: awaited.linesPerSecond, synapsePipelinedLinesPerSecond: pipelined.linesPerSecond,
        bridgeOutOfOrder: oneRoom.outOfOrder + tenRooms.outOfOrder, bridgeMissing: oneRoom.missing + tenRooms.missing,
        pipelinedOutOfOrder: pipelined.outOfOrder,
        oneRoomSynapseCpuPerLine: oneRoom.synapseCpuPerLine, oneRoomBridgeCpuPerLine: oneRoom.bridgeCpuPerLine,
        tenRoomsSynapseCpuPerLine: tenRooms.synapseCpuPerLine, tenRoomsBridgeCpuPerLine: tenRooms.bridgeCpuPerLine,
        awaitedSynapseCpuPerLine: awaited.synapseCpuPerLine,
      };
      results.push(figures);
      process.stdout.write(`run ${run} (load ${load()}): ${JSON.stringify(figures)}\n`);
    }
    await quitAll(senders);
  } finally {
    await world.close();
  }
  const report = render(results, lines, loadBefore, load());
  process.stdout.write(report);
  const out = values.out ?? path.join(__dirname, '..', '..', '..', '..', '..', 'bench', 'results', `${new Date().toISOString().slice(0, 10)}-${os.hostname()}-synapse.md`);
  writeFileSync(out, report);
  writeFileSync(out.replace(/\.md$/, '.json'), `${JSON.stringify({ lines, rooms: ROOMS, window: PIPELINE_WINDOW, runs: results }, null, 2)}\n`);
}

/** Each sender pastes `count` lines into its channel at once; resolves when all reached Matrix. */
async function pasteAndWait(world: SynapseWorld, senders: RawIrcClient[], count: number, firstId: number) {
  const expected = new Map<number, number>(); // marker → sender index
  const perSender: number[][] = senders.map(() => []);
  senders.forEach((_, s) => {
    for (let i = 0; i < count; i++) expected.set(firstId + s * count + i, s);
  });
  let last = 0;
  const stop = world.onArrival((a: Arrival) => {
    const id = markerOf(a.body);
    const s = id === undefined ? undefined : expected.get(id);
    if (id === undefined || s === undefined) return;
    perSender[s]!.push(id);
    last = a.at;
  });
  const cpu0 = world.cpu();
  const t0 = nowMs();
  senders.forEach((sender, s) => {
    const channel = channelName(Number(sender.nick.replace(/\D/g, '')), ROOMS);
    sender.sendMany(Array.from({ length: count }, (_, i) => `PRIVMSG ${channel} :${benchText(firstId + s * count + i)}`));
  });
  const total = count * senders.length;
  try {
    await waitFor(`${total} lines to reach Matrix`, () => perSender.reduce((n, ids) => n + ids.length, 0) >= total, 300_000, 20);
  } finally {
    stop();
  }
  const cpu1 = world.cpu();
  const outOfOrder = perSender.reduce((n, ids) => n + ids.filter((id, i) => i > 0 && id < ids[i - 1]!).length, 0);
  return {
    linesPerSecond: total / ((last - t0) / 1000), outOfOrder, missing: total - new Set(perSender.flat()).size,
    synapseCpuPerLine: (cpu1.synapse - cpu0.synapse) / total, bridgeCpuPerLine: (cpu1.bridge - cpu0.bridge) / total,
  };
}

/**
 * The appservice itself sends to room 0 as a user of its namespace, `window` requests in
 * flight, txnIds in send order; then reads the timeline back to see whether it kept that order.
 */
async function directSender(world: SynapseWorld) {
  const hs = world.synapse.url;
  const asToken = world.registration.asToken;
  const userId = `@_irc_direct:${DOMAIN}`;
  const roomId = world.roomIds[0]!;
  await matrixRequest(hs, 'POST', '/_matrix/client/v3/register', { accessToken: asToken, json: { type: 'm.login.application_service', username: '_irc_direct' } });
  await matrixRequest(hs, 'POST', `/_matrix/client/v3/join/${encode(roomId)}`, { accessToken: asToken, query: { user_id: userId }, json: {} });
  return async (count: number, window: number, firstId: number) => {
    let next = 0;
    const cpu0 = world.cpu();
    const t0 = nowMs();
    await Promise.all(Array.from({ length: window }, async () => {
      for (let i = next++; i < count; i = next++) {
        await matrixRequest(hs, 'PUT', `/_matrix/client/v3/rooms/${encode(roomId)}/send/m.room.message/direct-${firstId + i}`, {
          accessToken: asToken, query: { user_id: userId }, json: { msgtype: 'm.text', body: benchText(firstId + i) },
        });
      }
    }));
    const seconds = (nowMs() - t0) / 1000;
    const synapseCpuPerLine = (world.cpu().synapse - cpu0.synapse) / count;
    const { chunk } = await matrixRequest<{ chunk: Array<{ sender: string; content: { body?: string } }> }>(hs, 'GET', `/_matrix/client/v3/rooms/${encode(roomId)}/messages`, {
      accessToken: world.user.accessToken, query: { dir: 'b', limit: count * 2, filter: JSON.stringify({ types: ['m.room.message'], senders: [userId] }) },
    });
    const ids = chunk.map((e) => markerOf(e.content.body ?? '')).filter((id): id is number => id !== undefined && id >= firstId).reverse();
    return { linesPerSecond: count / seconds, outOfOrder: ids.filter((id, i) => i > 0 && id < ids[i - 1]!).length, synapseCpuPerLine };
  };
}

function render(runs: Figures[], lines: number, loadBefore: string, loadAfter: string): string {
  const row = (key: string, label: string) => {
    const values = runs.map((r) => r[key] ?? Number.NaN);
    const s = spread(values);
    return `| ${label} | ${s.median.toFixed(1)} | ${values.map((v) => v.toFixed(1)).join(' / ')} |`;
  };
  return [
    `# IRC → Matrix against the real Synapse (${new Date().toISOString()}, ${os.hostname()}, ${os.cpus().length} cores)`,
    '',
    `${lines} lines per paste; ${ROOMS} rooms for the spread case; pipelined window ${PIPELINE_WINDOW}. Load average ${loadBefore} before, ${loadAfter} after.`,
    '',
    '| figure | median | runs |',
    '|---|---|---|',
    row('oneRoomLinesPerSecond', 'bridge, one room: lines/s'),
    row('tenRoomsLinesPerSecond', `bridge, ${ROOMS} rooms at once: lines/s (all rooms)`),
    row('synapseAwaitedLinesPerSecond', 'Synapse alone, one room, one send at a time: lines/s'),
    row('synapsePipelinedLinesPerSecond', `Synapse alone, one room, ${PIPELINE_WINDOW} sends in flight: lines/s`),
    row('pipelinedOutOfOrder', `Synapse alone, ${PIPELINE_WINDOW} in flight: events out of send order in the timeline`),
    row('oneRoomSynapseCpuPerLine', 'Synapse CPU per line, bridge one room (ms)'),
    row('oneRoomBridgeCpuPerLine', 'bridge CPU per line, one room (ms)'),
    row('tenRoomsSynapseCpuPerLine', `Synapse CPU per line, bridge ${ROOMS} rooms (ms)`),
    row('tenRoomsBridgeCpuPerLine', `bridge CPU per line, ${ROOMS} rooms (ms)`),
    row('awaitedSynapseCpuPerLine', 'Synapse CPU per line, Synapse alone awaited (ms)'),
    row('bridgeOutOfOrder', 'bridge: lines out of order (both cases)'),
    row('bridgeMissing', 'bridge: lines missing (both cases)'),
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
