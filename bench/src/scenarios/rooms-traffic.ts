/**
 * The traffic of the rooms scenario, spread over every room of a world: IRC users saying lines
 * into the channels (IRC → Matrix) and Matrix users whose puppets say lines into them
 * (Matrix → IRC), each at a fixed total rate whatever the number of rooms. Message i goes to
 * room i mod N, from speaker i mod S, so every room gets its share and the set of speakers stays
 * the same size at every room count.
 */
import { cpuMs } from '../bridge/process';
import { RawIrcClient } from '../irc-client';
import { distribution } from '../stats';
import { nowMs, sleep, waitFor } from '../time';
import type { World } from '../world';
import { firstStamps } from './paced-irc';
import { matrixToIrcSamples } from './txn-latency';
import { matrixUsers, type MatrixUser } from './puppets';
import { benchText, markerOf, quitAll } from './senders';

/** IRC users saying the IRC → Matrix lines. */
export const IRC_SPEAKERS = 10;
/** Matrix users (one puppet each) saying the Matrix → IRC lines. */
export const MATRIX_SPEAKERS = 50;
/** ngIRCd reads a line of at most 512 bytes: JOIN lists are cut well below. */
const JOIN_LINE_CHARS = 400;

export interface DirectionResult {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpuPerMsg: number;
  unmatched: number;
  seconds: number;
}

export interface TrafficPlan {
  messages: number;
  ratePerSecond: number;
  /** Bound on waiting for the last message (a small room_concurrency under a slow homeserver is slow on purpose). */
  timeoutMs: number;
}

/** Pairs (speaker, room) that messages 0 … messages−1 use. */
function pairs(messages: number, speakers: number, rooms: number): Array<[speaker: number, room: number]> {
  const seen = new Set<string>();
  const out: Array<[number, number]> = [];
  for (let i = 0; i < messages; i++) {
    const pair: [number, number] = [i % speakers, i % rooms];
    const key = pair.join(',');
    if (!seen.has(key)) {
      seen.add(key);
      out.push(pair);
    }
  }
  return out;
}

/** Joins many channels with a few JOIN lines; resolves once the server has answered each (366, end of NAMES). */
async function joinMany(client: RawIrcClient, channels: readonly string[], timeoutMs: number): Promise<void> {
  const left = new Set(channels.map((c) => c.toLowerCase()));
  const done = new Promise<void>((resolve) => {
    const off = client.onLine((l) => {
      if (l.command === '366' && left.delete((l.params[1] ?? '').toLowerCase()) && left.size === 0) {
        off();
        resolve();
      }
    });
  });
  const lines: string[] = [];
  let line = '';
  for (const channel of channels) {
    if (line && line.length + channel.length + 1 > JOIN_LINE_CHARS) {
      lines.push(`JOIN ${line}`);
      line = '';
    }
    line = line ? `${line},${channel}` : channel;
  }
  if (line) lines.push(`JOIN ${line}`);
  client.sendMany(lines);
  await waitFor(`${client.nick} to join ${channels.length} channels (${left.size} left)`, () => left.size === 0, timeoutMs);
  await done;
}

/** Sends `count` lines at `ratePerSecond`, calling `send(i)` for each at its due time. */
async function paced(count: number, ratePerSecond: number, send: (i: number) => void): Promise<void> {
  const t0 = nowMs();
  for (let i = 0; i < count; i++) {
    const wait = t0 + (i * 1000) / ratePerSecond - nowMs();
    if (wait > 0) await sleep(wait);
    send(i);
  }
}

/**
 * IRC → Matrix: every IRC speaker joins the channels it will speak in and says one warm-up line
 * in each (its ghost registers and joins those rooms), then the measured lines go out paced.
 * Bridge latency = the bot's socket read of the chunk → the homeserver request (probes).
 */
export async function ircToMatrix(world: World, plan: TrafficPlan, log: (m: string) => void): Promise<DirectionResult> {
  const rooms = world.channels.length;
  const used = pairs(plan.messages, IRC_SPEAKERS, rooms);
  const speakers = await Promise.all(Array.from({ length: IRC_SPEAKERS }, (_, i) => RawIrcClient.connect(world.ircd.port, `talker${i}`)));
  try {
    await Promise.all(speakers.map((s, i) => joinMany(s, used.filter(([who]) => who === i).map(([, room]) => world.channels[room]!), 120_000)));
    const warmBase = world.hs.messages.length;
    for (const [who, room] of used) speakers[who]!.send(`PRIVMSG ${world.channels[room]} :warm-up`);
    await waitFor(`${used.length} IRC warm-up lines at the homeserver`, () => world.hs.messages.length - warmBase >= used.length, plan.timeoutMs);
    await world.hs.pusher.waitIdle(60_000);
    log(`IRC → Matrix: ${IRC_SPEAKERS} speakers warmed up in ${rooms} rooms`);
    await world.bridge.probes(); // drop the warm-up stamps

    const seen = new Set<number>();
    const off = world.hs.onMessage((m) => {
      const id = markerOf(m.body);
      if (id !== undefined) seen.add(id);
    });
    const before = await world.bridge.stats();
    const t0 = nowMs();
    await paced(plan.messages, plan.ratePerSecond, (i) => speakers[i % IRC_SPEAKERS]!.send(`PRIVMSG ${world.channels[i % rooms]} :${benchText(i + 1)}`));
    await waitFor(`${plan.messages} IRC → Matrix lines at the homeserver (seen ${seen.size})`, () => seen.size >= plan.messages, plan.timeoutMs);
    const seconds = (nowMs() - t0) / 1000;
    await world.hs.pusher.waitIdle(60_000);
    const after = await world.bridge.stats();
    off();

    const probes = await world.bridge.probes();
    const read = firstStamps(probes.ircRead);
    const fetched = firstStamps(probes.fetchSend);
    const samples: number[] = [];
    for (let id = 1; id <= plan.messages; id++) {
      const r = read.get(id);
      const f = fetched.get(id);
      if (r !== undefined && f !== undefined) samples.push(f - r);
    }
    return summary(samples, cpuMs(before, after) / plan.messages, plan.messages, seconds);
  } finally {
    await quitAll(speakers);
  }
}

/**
 * Matrix → IRC: every Matrix speaker joins the rooms it will speak in (the bridge connects its
 * puppet and joins the channels on demand) and says one warm-up line in each, then the measured
 * lines are pushed paced. Bridge latency = the transaction request reaching the bridge → the
 * puppet's socket write (probes).
 */
export async function matrixToIrc(world: World, plan: TrafficPlan, log: (m: string) => void): Promise<DirectionResult> {
  const rooms = world.roomIds.length;
  const users: MatrixUser[] = matrixUsers(MATRIX_SPEAKERS, 0, 'speaker');
  const used = pairs(plan.messages, MATRIX_SPEAKERS, rooms);
  const joinsBefore = world.tally.joins;
  for (const [who, room] of used) world.hs.userJoins(world.roomIds[room]!, users[who]!.userId, users[who]!.name);
  await waitFor(`${used.length} puppet joins on IRC (seen ${world.tally.joins - joinsBefore})`, () => world.tally.joins - joinsBefore >= used.length, plan.timeoutMs);

  const observed = new Map<number, number>();
  let warm = 0;
  const off = world.observer.onLine((l) => {
    if (l.command !== 'PRIVMSG') return;
    const text = l.params[1] ?? '';
    if (text.endsWith('warm-up')) warm++;
    const id = markerOf(text);
    if (id !== undefined && !observed.has(id)) observed.set(id, l.at);
  });
  try {
    for (const [who, room] of used) world.hs.userSays(world.roomIds[room]!, users[who]!.userId, 'warm-up');
    await waitFor(`${used.length} Matrix warm-up lines on IRC (seen ${warm})`, () => warm >= used.length, plan.timeoutMs);
    log(`Matrix → IRC: ${MATRIX_SPEAKERS} puppets warmed up in ${rooms} rooms`);
    await world.hs.pusher.waitIdle(60_000);
    await world.bridge.probes();

    const txnsBefore = world.hs.pusher.transactions.length;
    const idOfEvent = new Map<string, number>();
    const before = await world.bridge.stats();
    const t0 = nowMs();
    await paced(plan.messages, plan.ratePerSecond, (i) => {
      const event = world.hs.userSays(world.roomIds[i % rooms]!, users[i % MATRIX_SPEAKERS]!.userId, benchText(i + 1));
      idOfEvent.set(event.event_id, i + 1);
    });
    await waitFor(`${plan.messages} Matrix → IRC lines on IRC (seen ${observed.size})`, () => observed.size >= plan.messages, plan.timeoutMs);
    const seconds = (nowMs() - t0) / 1000;
    const after = await world.bridge.stats();

    const probes = await world.bridge.probes();
    const samples = matrixToIrcSamples(probes, world.hs.pusher.transactions.slice(txnsBefore), idOfEvent, plan.messages);
    return summary(samples, cpuMs(before, after) / plan.messages, plan.messages, seconds);
  } finally {
    off();
  }
}

function summary(samples: number[], cpuPerMsg: number, messages: number, seconds: number): DirectionResult {
  const d = distribution(samples);
  return { p50: d.p50, p95: d.p95, p99: d.p99, max: d.max, cpuPerMsg, unmatched: messages - samples.length, seconds };
}
