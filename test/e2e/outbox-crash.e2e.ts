/**
 * What the bridge read from IRC survives the bridge dying: every line is journaled the moment it
 * is read (the core's outbox), so after a kill -9 and a restart each journaled line arrives in
 * Matrix exactly once, in order; and a SIGTERM under traffic both ways drops nothing either.
 *
 * Lines IRC sent that the bridge had not read when it died are lost (IRC has no history): they
 * are counted apart, from the journal, and printed with the run's numbers.
 */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel } from './harness/irc-bridge';
import { journaledChannelLines } from './harness/journal';
import { delay } from './harness/wait';

const bridge = bridgeForThisFile();

function report(what: string, numbers: Record<string, number>): void {
  process.stdout.write(`${what}: ${Object.entries(numbers).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

/** An IRC user in a fresh channel and a Matrix user in its portal. */
async function portalWithIrcUser(prefix: string) {
  const channel = uniqueChannel(prefix);
  const irc = await connectIrc(uniqueNick(prefix.slice(0, 1)));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  return { channel, irc, alice, roomId };
}

/** The positions of `arrived` in `sent`; -1 for a body that was never sent. */
const positions = (sent: string[], arrived: string[]) => arrived.map((body) => sent.indexOf(body));

it('kill -9 in the middle of an IRC -> Matrix burst: every line the bridge had read arrives once, in order, after the restart', async () => {
  const { channel, irc, alice, roomId } = await portalWithIrcUser('k9');
  irc.say(channel, 'warm-up');
  await alice.client.waitForMessage(roomId, 'warm-up');

  const run = Date.now().toString(36);
  const sent = Array.from({ length: 300 }, (_, i) => `k9-${run}-${String(i).padStart(3, '0')}`);
  for (const line of sent) irc.say(channel, line);
  // Some lines are in Matrix, most are journaled and on their way: now the process dies.
  await alice.client.waitForMessage(roomId, sent[40]!, 60_000);
  process.kill(bridge().process.pid, 'SIGKILL');
  await bridge().stop();

  const journaled = journaledChannelLines(bridge().config.dir, roomId);
  const read = journaled.total - 1; // the warm-up line is journaled too
  expect(read).toBeGreaterThan(40);
  await bridge().start();
  await alice.client.waitForMessage(roomId, sent[read - 1]!, 120_000);
  await delay(2_000); // anything that would arrive twice has had its chance

  const arrived = (await alice.client.messageBodiesFrom(roomId, ghostUserId(irc.nick), 1000)).filter((b) => b.startsWith(`k9-${run}-`));
  report('kill -9 mid IRC -> Matrix burst', {
    sent: sent.length, read, pendingAtKill: journaled.pendingBodies.length, arrived: arrived.length,
    lost: read - new Set(arrived).size, duplicated: arrived.length - new Set(arrived).size, unreadAtKill: sent.length - read,
  });
  expect(arrived).toEqual(sent.slice(0, read));
  expect(journaledChannelLines(bridge().config.dir, roomId).pendingBodies).toEqual([]);
});

it('SIGTERM under traffic both ways: nothing read from IRC and nothing Matrix sent is dropped, after the restart', async () => {
  const { channel, irc, alice, roomId } = await portalWithIrcUser('term');
  await alice.client.sendText(roomId, 'hello');
  await irc.waitForMessage((m) => m.nick === alice.nick && m.message === 'hello');

  const run = Date.now().toString(36);
  const ircSent = Array.from({ length: 200 }, (_, i) => `ti-${run}-${String(i).padStart(3, '0')}`);
  const matrixSent = Array.from({ length: 30 }, (_, i) => `tm-${run}-${String(i).padStart(2, '0')}`);
  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const matrixSide = (async () => {
    for (const [i, text] of matrixSent.entries()) {
      if (i === 10) stopping = bridge().stop(); // SIGTERM while both directions flow
      await alice.client.sendText(roomId, text);
      await delay(50);
    }
  })();
  // Paced over ~5 s, so IRC is still talking while the bridge stops (its QUIT ends what it reads).
  for (const line of ircSent) {
    irc.say(channel, line);
    await delay(25);
  }
  await matrixSide;
  const exit = await stopping!;
  expect(exit).toEqual({ code: 0, signal: null }); // a clean stop, not the harness's SIGKILL

  const read = journaledChannelLines(bridge().config.dir, roomId).total;
  await bridge().start();
  if (read > 0) await alice.client.waitForMessage(roomId, ircSent[read - 1]!, 120_000);
  await irc.waitForMessage((m) => m.message === matrixSent.at(-1), 120_000);
  await delay(2_000);

  const arrivedInMatrix = (await alice.client.messageBodiesFrom(roomId, ghostUserId(irc.nick), 1000)).filter((b) => b.startsWith(`ti-${run}-`));
  const arrivedOnIrc = irc.receivedMessages.filter((m) => m.nick === alice.nick && m.message.startsWith(`tm-${run}-`)).map((m) => m.message);
  report('SIGTERM under traffic', {
    ircSent: ircSent.length, ircRead: read, ircArrived: arrivedInMatrix.length, ircUnreadAtStop: ircSent.length - read,
    matrixSent: matrixSent.length, matrixArrived: arrivedOnIrc.length,
  });
  expect(positions(ircSent, arrivedInMatrix)).toEqual(Array.from({ length: read }, (_, i) => i));
  expect(arrivedOnIrc).toEqual(matrixSent);
});
