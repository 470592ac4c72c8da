/**
 * A hostile path to the homeserver: 30 % of the bridge's client-server requests answered with
 * 429 (retry_after_ms, Retry-After in seconds, Retry-After as an HTTP date), 500, a connection
 * reset, or a 10 s stall, while both directions carry steady traffic. Nothing may be lost or
 * doubled, order holds, and the bridge neither spins (requests stay proportional to messages)
 * nor grows without bound (RSS after ≈ RSS before).
 */
import { uniqueNick } from '../e2e/harness/irc-client';
import { ghostUserId } from '../e2e/harness/irc-bridge';
import { ALL_FAULTS } from './harness/fault-proxy';
import { allBodiesFrom, heardIn, rssBytes, settle, sleep, startChaosBridge, startConversation, type ChaosBridge } from './harness/scene';
import { report, tally } from './harness/tally';

const MESSAGES = Number(process.env.CHAOS_PROXY_MESSAGES ?? 300);
const RATE = Number(process.env.CHAOS_FAULT_RATE ?? 0.3);

let chaos: ChaosBridge;
beforeAll(async () => { chaos = await startChaosBridge({}, { stallMs: 10_000 }); });
afterAll(async () => { await chaos?.stop(); });

it(`loses and doubles nothing when ${Math.round(RATE * 100)} % of requests to Synapse fail (${MESSAGES} messages each way)`, async () => {
  const { channel, irc, alice, roomId } = await startConversation('fp');
  const rssBefore = rssBytes(chaos.bridge.process.pid);
  const before = new Map(chaos.toHomeserver.counts);
  chaos.toHomeserver.plan = { rate: RATE, faults: ALL_FAULTS };
  const fromIrc = uniqueNick('fi');
  const fromMatrix = uniqueNick('fm');
  const tokens = Array.from({ length: MESSAGES }, (_, i) => i);
  await Promise.all([
    (async () => { for (const i of tokens) { irc.say(channel, `${fromIrc}-${i}`); await sleep(50); } })(),
    (async () => { for (const i of tokens) { await alice.client.sendText(roomId, `${fromMatrix}-${i}`); await sleep(50); } })(),
  ]);

  const ghost = ghostUserId(irc.nick);
  const inMatrix = () => allBodiesFrom(alice.client, roomId, ghost);
  const onIrc = () => heardIn(irc, channel);
  await settle(async () => (await inMatrix()).length + onIrc().length, { target: MESSAGES * 2 + 2, quietMs: 90_000 });
  chaos.toHomeserver.plan = { rate: 0, faults: [] };

  const toMatrix = tally(fromIrc, tokens, await inMatrix());
  const toIrc = tally(fromMatrix, tokens, onIrc());
  const faulted = [...chaos.toHomeserver.counts].filter(([k]) => k !== 'forwarded').map(([k, v]) => `${k} ${v - (before.get(k) ?? 0)}`).join(', ');
  const requests = [...chaos.toHomeserver.counts].reduce((sum, [k, v]) => sum + v - (before.get(k) ?? 0), 0);
  const rssAfter = rssBytes(chaos.bridge.process.pid);
  const note = `${requests} requests to Synapse for ${MESSAGES * 2} messages; faults: ${faulted}; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`;
  report(`fault proxy (${Math.round(RATE * 100)} % of requests: 429 ×3 shapes, 500, reset, 10 s stall): IRC → Matrix`, toMatrix, note);
  report(`fault proxy (${Math.round(RATE * 100)} % of requests: 429 ×3 shapes, 500, reset, 10 s stall): Matrix → IRC`, toIrc);

  expect({ lost: toMatrix.lost, duplicated: toMatrix.duplicated, outOfOrder: toMatrix.outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  expect({ lost: toIrc.lost, duplicated: toIrc.duplicated, outOfOrder: toIrc.outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  // No spinning: a retried request costs a few more, not an unbounded loop.
  expect(requests).toBeLessThan(MESSAGES * 2 * 6);
  // No unbounded growth: well under double the memory it had before the storm.
  expect(rssAfter).toBeLessThan(rssBefore * 2);
});
