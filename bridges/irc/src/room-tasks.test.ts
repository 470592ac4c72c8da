// Unit tests of RoomTasks: IRC → Matrix work in each room's turn, held and retried in order
// through homeserver outages, with a bounded backlog; other failures fail fast.
import { asRoomId, MatrixError, NetworkError } from '@bridgekit/appservice';
import { Registry } from 'prom-client';
import { FakeClock } from './irc/clock';
import { createIrcMetrics } from './metrics';
import { RoomTasks } from './room-tasks';
import { FakeLogger } from './testing/fake-bridge';

const room = asRoomId('!room:hs.test');
const other = asRoomId('!other:hs.test');
const MINUTE = 60_000;

/** A homeserver that can be down, and the lines it took, in order. */
class Homeserver {
  down = false;
  /** When set, the next writes fail with this instead (one each). */
  readonly errors: Error[] = [];
  readonly taken: string[] = [];
  attempts = 0;

  write(line: string): () => Promise<void> {
    return async () => {
      this.attempts++;
      const error = this.errors.shift();
      if (error) throw error;
      if (this.down) throw new NetworkError('unreachable', 'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}', 'http://127.0.0.1:8008', new Error('ECONNREFUSED'));
      this.taken.push(line);
    };
  }
}

function setup(options: { maxRetryMs?: number; maxHeld?: number } = {}) {
  const clock = new FakeClock(0);
  const log = new FakeLogger();
  const registry = new Registry();
  const metrics = createIrcMetrics(registry);
  // The core's per-room order: one promise chain per room.
  const chains = new Map<string, Promise<unknown>>();
  const inRoomOrder = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (chains.get(key) ?? Promise.resolve()).then(task, task);
    chains.set(key, run.catch(() => undefined));
    return run;
  };
  const tasks = new RoomTasks({
    inRoomOrder, clock, log, metrics, maxRetryMs: options.maxRetryMs ?? 15 * MINUTE, maxHeld: options.maxHeld ?? 1000, random: () => 1,
  });
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      await Promise.all([...chains.values()]);
      await new Promise((r) => setImmediate(r));
    }
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = await registry.getSingleMetric(name)!.get();
    return metric.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
  };
  return { clock, log, tasks, settle, advance, value };
}

it('runs tasks in order, and a non-retriable failure fails fast (logged, counted) without holding the room', async () => {
  const { tasks, settle, log, value } = setup();
  const hs = new Homeserver();
  hs.errors.push(new MatrixError('M_FORBIDDEN', 403, 'not allowed', 'PUT /send'));
  tasks.run(room, 'irc.channel-message', hs.write('one'));
  tasks.run(room, 'irc.channel-message', hs.write('two'));
  await settle();
  expect(hs.taken).toEqual(['two']);
  expect(hs.attempts).toBe(2);
  expect(tasks.stalledRooms).toBe(0);
  expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['Room task failed']);
  expect(await value('bridgekit_irc_handler_errors_total', { handler: 'irc.channel-message' })).toBe(1);
});

it('holds the room through an outage and delivers every line in order, once, when the homeserver is back', async () => {
  const { tasks, settle, advance, value } = setup();
  const hs = new Homeserver();
  tasks.run(room, 'irc.channel-message', hs.write('before'));
  await settle();
  hs.down = true;
  tasks.run(room, 'irc.channel-message', hs.write('during 1'));
  tasks.run(room, 'irc.channel-message', hs.write('during 2')); // queued in the core before 'during 1' failed
  tasks.run(other, 'irc.channel-message', hs.write('elsewhere')); // another room also fails...
  await settle();
  expect(tasks.stalledRooms).toBe(2);
  expect(await value('bridgekit_irc_room_tasks_held')).toBe(3);
  await advance(20_000);
  tasks.run(room, 'irc.channel-message', hs.write('during 3'));
  await settle();
  hs.down = false;
  tasks.run(room, 'irc.channel-message', hs.write('after')); // must not overtake the held lines
  await settle();
  expect(hs.taken).toEqual(['before']);
  await advance(30_000);
  expect(hs.taken.filter((l) => l !== 'elsewhere')).toEqual(['before', 'during 1', 'during 2', 'during 3', 'after']);
  expect(hs.taken.filter((l) => l === 'elsewhere')).toHaveLength(1);
  expect(tasks.stalledRooms).toBe(0);
  expect(await value('bridgekit_irc_room_tasks_held')).toBe(0);
  expect(await value('bridgekit_irc_room_task_retries_total', { handler: 'irc.channel-message' })).toBeGreaterThan(0);
});

it('retries with exponential backoff capped at 30 s, honouring a 429 Retry-After', async () => {
  const { tasks, settle, advance } = setup();
  const hs = new Homeserver();
  hs.down = true;
  tasks.run(room, 'irc.channel-message', hs.write('line'));
  await settle();
  const attemptsAt: number[] = [];
  for (let t = 0; t < 120_000; t += 500) {
    const before = hs.attempts;
    await advance(500);
    if (hs.attempts > before) attemptsAt.push(t + 500);
  }
  // random() = 1: every wait is its full ceiling — 1, 2, 4, 8, 16, then 30 s.
  expect(attemptsAt.slice(0, 7)).toEqual([1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000]);
  hs.down = false;
  hs.errors.push(new MatrixError('M_LIMIT_EXCEEDED', 429, 'slow down', 'PUT /send', 45_000));
  const before = hs.attempts;
  await advance(30_000);
  expect(hs.attempts).toBe(before + 1); // the 429
  await advance(44_000);
  expect(hs.taken).toEqual([]);
  await advance(1000);
  expect(hs.taken).toEqual(['line']);
});

it('gives up after the configured time: the lines that waited that long are dropped (error logged, counted), later ones still arrive', async () => {
  const { tasks, settle, advance, log, value } = setup({ maxRetryMs: 2 * MINUTE });
  const hs = new Homeserver();
  hs.down = true;
  tasks.run(room, 'irc.channel-message', hs.write('old 1'));
  tasks.run(room, 'irc.channel-message', hs.write('old 2'));
  await settle();
  await advance(90_000);
  tasks.run(room, 'irc.channel-message', hs.write('newer'));
  await advance(60_000);
  expect(await value('bridgekit_irc_room_tasks_dropped_total', { reason: 'timeout' })).toBe(2);
  expect(log.lines.some((l) => l.level === 'error' && /Gave up on IRC messages/.test(l.message) && l.meta?.tasks === 2)).toBe(true);
  hs.down = false;
  await advance(30_000);
  expect(hs.taken).toEqual(['newer']);
  expect(tasks.stalledRooms).toBe(0);
});

it('holds at most max_held_per_room lines per room, dropping the oldest (one warning, counted)', async () => {
  const { tasks, settle, advance, log, value } = setup({ maxHeld: 3 });
  const hs = new Homeserver();
  hs.down = true;
  for (let i = 1; i <= 6; i++) tasks.run(room, 'irc.channel-message', hs.write(`line ${i}`));
  await settle();
  expect(await value('bridgekit_irc_room_tasks_dropped_total', { reason: 'backlog' })).toBe(3);
  expect(await value('bridgekit_irc_room_tasks_held')).toBe(3);
  expect(log.lines.filter((l) => l.level === 'warn' && /Too many IRC messages held/.test(l.message))).toHaveLength(1);
  hs.down = false;
  await advance(1000);
  expect(hs.taken).toEqual(['line 4', 'line 5', 'line 6']);
});

it('retries nothing when retry_minutes is 0', async () => {
  const { tasks, settle, advance } = setup({ maxRetryMs: 0 });
  const hs = new Homeserver();
  hs.down = true;
  tasks.run(room, 'irc.channel-message', hs.write('lost'));
  await settle();
  hs.down = false;
  tasks.run(room, 'irc.channel-message', hs.write('next'));
  await advance(60_000);
  expect(hs.taken).toEqual(['next']);
  expect(hs.attempts).toBe(2);
});

it('drops what is held when the bridge stops, and retries no more', async () => {
  const { tasks, settle, advance, clock, log, value } = setup();
  const hs = new Homeserver();
  hs.down = true;
  tasks.run(room, 'irc.channel-message', hs.write('a'));
  tasks.run(room, 'irc.channel-message', hs.write('b'));
  await settle();
  tasks.stop();
  expect(clock.pending).toBe(0);
  expect(await value('bridgekit_irc_room_tasks_dropped_total', { reason: 'stopped' })).toBe(2);
  expect(log.lines.some((l) => l.level === 'warn' && /never delivered/.test(l.message))).toBe(true);
  hs.down = false;
  const attempts = hs.attempts;
  await advance(MINUTE);
  expect(hs.attempts).toBe(attempts);
  expect(hs.taken).toEqual([]);
});
