/**
 * The servers misbehave while both directions flow: Synapse stopped (and started again, which
 * on SQLite also starts its appservice transaction IDs over), Synapse frozen with SIGSTOP, ngIRCd
 * restarted, and a netsplit-shaped mass QUIT and JOIN of many IRC users. Every message is
 * counted by token; the netsplit counts Matrix events and checks nobody on Matrix is kicked.
 */
import { readE2eEnv } from '../e2e/harness/env';
import { connectIrc, uniqueNick, type IrcTestClient } from '../e2e/harness/irc-client';
import { BOT_NICK, bridgeForThisFile, ghostUserId } from '../e2e/harness/irc-bridge';
import { recordedPid } from '../e2e/harness/run-record';
import { restartHomeserver, restartIrcServer } from '../e2e/harness/server-restarts';
import { inBatches, memberEventCount, RawUser } from './harness/crowd';
import { allBodiesFrom, heardIn, settle, sleep, startConversation } from './harness/scene';
import { synapseUnsentTransactions } from './harness/synapse-unsent';
import { report, tally, type Tally } from './harness/tally';

const OUTAGE_MS = Number(process.env.CHAOS_OUTAGE_SECONDS ?? 30) * 1_000;
const NETSPLIT_USERS = Number(process.env.CHAOS_NETSPLIT_USERS ?? 500);

const bridge = bridgeForThisFile();

/**
 * IRC talks every 200 ms from before the outage to after it; Matrix sends a handful right before
 * it (in Synapse's queue to the bridge when it goes) and a handful after. Counts both ways.
 */
async function throughOutage(label: string, outage: () => Promise<void>): Promise<void> {
  const c = await startConversation('hs');
  const fromIrc = uniqueNick('fi');
  const fromMatrix = uniqueNick('fm');
  const ircTokens: number[] = [];
  let talking = true;
  const ircTalks = (async () => {
    for (let i = 0; talking; i++) {
      ircTokens.push(i);
      c.irc.say(c.channel, `${fromIrc}-${i}`);
      await sleep(200);
    }
  })();
  const matrixTokens = Array.from({ length: 20 }, (_, i) => i);
  const eventIds = new Map<number, string>();
  for (const i of matrixTokens.slice(0, 10)) eventIds.set(i, await c.alice.client.sendText(c.roomId, `${fromMatrix}-${i}`));
  await outage();
  for (const i of matrixTokens.slice(10)) eventIds.set(i, await c.alice.client.sendText(c.roomId, `${fromMatrix}-${i}`));
  await sleep(2_000);
  talking = false;
  await ircTalks;

  const ghost = ghostUserId(c.irc.nick);
  const inMatrix = () => allBodiesFrom(c.alice.client, c.roomId, ghost);
  await settle(async () => (await inMatrix()).length + heardIn(c.irc, c.channel).length, { target: ircTokens.length + matrixTokens.length + 2, quietMs: 60_000 });
  const toMatrix = tally(fromIrc, ircTokens, await inMatrix());
  const toIrc = tally(fromMatrix, matrixTokens, heardIn(c.irc, c.channel));
  report(`${label}: IRC → Matrix (IRC talking throughout)`, toMatrix);
  const unsent = lostInSynapse(toIrc, eventIds);
  report(`${label}: Matrix → IRC (10 just before, 10 after)`, toIrc, unsent.note);
  expect({ lost: toMatrix.lost, duplicated: toMatrix.duplicated, outOfOrder: toMatrix.outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
  // A message Synapse never pushed (its transaction row still unsent) is the homeserver's loss,
  // named in the row; anything else lost is the bridge's and fails the test.
  expect({ lostByTheBridge: toIrc.lost - unsent.tokens.length, duplicated: toIrc.duplicated, outOfOrder: toIrc.outOfOrder }).toEqual({ lostByTheBridge: 0, duplicated: 0, outOfOrder: 0 });
  expect(await c.alice.client.membershipOf(c.roomId, c.alice.client.userId)).toBe('join');
}

/** Which lost tokens Synapse still holds in an unsent appservice transaction (synapse-unsent.ts). */
function lostInSynapse(t: Tally, eventIds: ReadonlyMap<number, string>): { tokens: number[]; note: string } {
  if (t.lost === 0) return { tokens: [], note: '' };
  const unsent = synapseUnsentTransactions();
  const holding = (n: number) => unsent.find((u) => u.eventIds.includes(eventIds.get(n) ?? ''));
  const tokens = t.lostTokens.filter((n) => holding(n) !== undefined);
  const txns = [...new Set(tokens.map((n) => holding(n)!.txnId))];
  const note = tokens.length === 0
    ? `Synapse holds none of the lost messages unsent (${unsent.length} unsent transaction(s))`
    : `${tokens.length} lost never pushed by Synapse: still in its unsent transaction ${txns.join(', ')} (Synapse retries unsent transactions only for an appservice it marked DOWN)`;
  return { tokens, note };
}

describe('Synapse outages', () => {
  // On SQLite a restarted Synapse may number its transactions from 1 again (resilience.e2e.ts
  // checks the bridge then takes them as new); the bridge's log shows which happened in a run.
  it(`stopped for ${OUTAGE_MS / 1000} s and started again`, async () => {
    await throughOutage(`Synapse stopped ${OUTAGE_MS / 1000} s, restarted`, () => restartHomeserver(() => sleep(OUTAGE_MS)));
  });

  it(`frozen (SIGSTOP) for ${OUTAGE_MS / 1000} s`, async () => {
    await throughOutage(`Synapse frozen (SIGSTOP) ${OUTAGE_MS / 1000} s`, async () => {
      const pid = recordedPid(readE2eEnv().runDir, 'synapse');
      process.kill(pid, 'SIGSTOP');
      try {
        await sleep(OUTAGE_MS);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
    });
  });
});

describe('ngIRCd restart', () => {
  it('delivers what Matrix said while the IRC server was down once it is back, and carries on both ways', async () => {
    const c = await startConversation('ir');
    const fromMatrix = uniqueNick('fm');
    const fromIrc = uniqueNick('fi');
    const matrixTokens = Array.from({ length: 20 }, (_, i) => i);
    let observer: IrcTestClient | undefined;
    await restartIrcServer(async () => {
      for (const i of matrixTokens.slice(0, 10)) await c.alice.client.sendText(c.roomId, `${fromMatrix}-${i}`);
      await sleep(5_000);
    });
    // Back as soon as the server is: before the bridge's own reconnect, so nothing it sends is missed.
    for (let tries = 0; !observer; tries++) {
      try {
        observer = await connectIrc(uniqueNick('back'));
      } catch (error) {
        if (tries > 50) throw error;
        await sleep(200);
      }
    }
    await observer.join(c.channel);
    await observer.waitForMember(c.channel, BOT_NICK, 60_000);
    await observer.waitForMember(c.channel, c.alice.nick, 60_000);
    for (const i of matrixTokens.slice(10)) await c.alice.client.sendText(c.roomId, `${fromMatrix}-${i}`);
    const ircTokens = Array.from({ length: 20 }, (_, i) => i);
    for (const i of ircTokens) observer.say(c.channel, `${fromIrc}-${i}`);

    const inMatrix = () => allBodiesFrom(c.alice.client, c.roomId, ghostUserId(observer.nick));
    const heard = () => heardIn(observer as IrcTestClient, c.channel);
    await settle(async () => (await inMatrix()).length + heard().length, { target: 40, quietMs: 60_000 });
    const toIrc = tally(fromMatrix, matrixTokens, heard());
    const toMatrix = tally(fromIrc, ircTokens, await inMatrix());
    report('ngIRCd restarted: Matrix → IRC (10 said while it was down, 10 after)', toIrc);
    report('ngIRCd restarted: IRC → Matrix after it is back', toMatrix);
    expect(await c.alice.client.membershipOf(c.roomId, c.alice.client.userId)).toBe('join');
    expect({ lost: toIrc.lost, duplicated: toIrc.duplicated, outOfOrder: toIrc.outOfOrder }).toEqual({ lost: 0, duplicated: 0, outOfOrder: 0 });
    expect({ lost: toMatrix.lost, duplicated: toMatrix.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  });
});

describe('netsplit', () => {
  it(`${NETSPLIT_USERS} users QUIT with a netsplit reason and JOIN again: nobody on Matrix kicked, few Matrix events`, async () => {
    const c = await startConversation('ns');
    const users = Array.from({ length: NETSPLIT_USERS }, (_, i) => new RawUser(`ns${i}${uniqueNick('').slice(-4)}`));
    await inBatches(users, 50, (u) => u.connectAndJoin(c.channel));
    // Let the bridge take in the joins before the split, so only the split's effect is counted.
    await settle(async () => (await memberEventCount(c.alice, c.roomId)).total, { quietMs: 30_000 });
    const before = await memberEventCount(c.alice, c.roomId);
    const started = Date.now();
    await inBatches(users, 100, (u) => u.split());
    await sleep(3_000);
    await inBatches(users, 50, (u) => u.connectAndJoin(c.channel));
    await settle(async () => (await memberEventCount(c.alice, c.roomId)).total, { quietMs: 30_000 });
    const after = await memberEventCount(c.alice, c.roomId);
    const events = after.total - before.total;
    const quitLine = c.irc.rawLines.find((l) => / QUIT :/.test(l) && l.includes('leaf.e2e.test')) ?? '(none seen)';
    report(`netsplit-shaped mass QUIT + JOIN of ${NETSPLIT_USERS} users`, { sent: NETSPLIT_USERS * 2, arrived: events, lost: 0, duplicated: 0 },
      `"arrived" = Matrix membership events it caused; took ${Math.round((Date.now() - started) / 1000)} s; ngIRCd relays the QUIT as ${JSON.stringify(quitLine.replace(/^:\S+ /, ''))}`);
    expect(after.kickedOrBannedMatrixUsers).toBe(0);
    expect(await c.alice.client.membershipOf(c.roomId, c.alice.client.userId)).toBe('join');
    expect(events).toBeLessThanOrEqual(NETSPLIT_USERS * 2);
    c.irc.say(c.channel, 'after the split');
    await c.alice.client.waitForMessage(c.roomId, 'after the split', 120_000);
    await inBatches(users, 100, (u) => u.split());
    expect(bridge().process.pid).toBeGreaterThan(0);
  });
});
