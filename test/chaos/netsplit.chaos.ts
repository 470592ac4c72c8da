/**
 * A real netsplit: a second ngIRCd linked to the run's server, many users on it who have spoken
 * in a bridged channel (so each has a ghost in the room), then the server link cut and healed.
 * Counts the Matrix membership events the split and the relink cause, checks nobody on Matrix
 * is kicked, and that each user's next line still reaches Matrix from the same ghost.
 */
import { uniqueNick } from '../e2e/harness/irc-client';
import { bridgeForThisFile, ghostUserId } from '../e2e/harness/irc-bridge';
import { inBatches, memberEventCount, RawUser } from './harness/crowd';
import { LEAF_NAME, startLeafServer, type LeafServer } from './harness/linked-ircd';
import { settle, sleep, startConversation } from './harness/scene';
import { report, tally } from './harness/tally';

const SPEAKERS = Number(process.env.CHAOS_NETSPLIT_SPEAKERS ?? 100);
/**
 * How long the link stays cut (CHAOS_NETSPLIT_SECONDS). The default is shorter than the bridge's
 * netsplit grace (irc.netsplit_grace_seconds, 60 s); longer, the ghosts leave and join again.
 */
const SPLIT_MS = Number(process.env.CHAOS_NETSPLIT_SECONDS ?? 20) * 1_000;

const bridge = bridgeForThisFile();
let leaf: LeafServer | undefined;
afterAll(async () => { await leaf?.stop(); });

/** Every m.room.message body in the room with its sender, oldest first. */
async function messagesIn(c: Awaited<ReturnType<typeof startConversation>>): Promise<Array<{ sender: string; body: string }>> {
  const out: Array<{ sender: string; body: string }> = [];
  let from: string | undefined;
  for (;;) {
    const page = await c.alice.client.request<{ chunk: Array<{ sender: string; content: { body?: unknown } }>; end?: string }>(
      'GET', `/_matrix/client/v3/rooms/${encodeURIComponent(c.roomId)}/messages`,
      { query: { dir: 'b', limit: 1000, ...(from ? { from } : {}), filter: JSON.stringify({ types: ['m.room.message'] }) } },
    );
    for (const e of page.chunk) out.push({ sender: e.sender, body: String(e.content.body) });
    if (!page.end || page.chunk.length === 0) break;
    from = page.end;
  }
  return out.reverse();
}

describe('netsplit between two linked IRC servers', () => {
  it(`${SPEAKERS} users who spoke, split off and relinked: nobody on Matrix kicked, few events, same ghosts after`, async () => {
    leaf = await startLeafServer();
    await leaf.linked();
    const c = await startConversation('nsl');
    const tag = uniqueNick('').slice(-4);
    const users = Array.from({ length: SPEAKERS }, (_, i) => new RawUser(`sp${i}x${tag}`, leaf!.port));
    await inBatches(users, 25, (u) => u.connectAndJoin(c.channel));
    // ngIRCd's compressed server link sometimes drops under a burst ("Compression error!") and
    // relinks by itself: speak only once the hub side sees every user in the channel.
    await leaf.linked(120_000);
    for (const u of users) await c.irc.waitForMember(c.channel, u.nick, 120_000);
    const before = uniqueNick('b');
    await inBatches(users, 10, async (u) => { u.say(c.channel, `${before}-${users.indexOf(u)}`); await sleep(200); });
    const tokens = users.map((_, i) => i);
    // New ghosts join through the paced membership queue before they speak: give it time.
    await settle(async () => tally(before, tokens, (await messagesIn(c)).map((m) => m.body)).arrived, { target: SPEAKERS, quietMs: 90_000, timeoutMs: 600_000 });
    await settle(async () => (await memberEventCount(c.alice, c.roomId)).total, { quietMs: 15_000 });
    const membersBefore = await memberEventCount(c.alice, c.roomId);

    const started = Date.now();
    leaf.cut();
    await sleep(SPLIT_MS);
    const quits = c.irc.rawLines.filter((l) => / QUIT :/.test(l) && l.includes(LEAF_NAME)).length;
    leaf.heal();
    await leaf.linked(120_000);
    await settle(async () => (await memberEventCount(c.alice, c.roomId)).total, { quietMs: 30_000 });
    const membersAfter = await memberEventCount(c.alice, c.roomId);
    const events = membersAfter.total - membersBefore.total;
    const seconds = Math.round((Date.now() - started) / 1000);

    for (const u of users) await c.irc.waitForMember(c.channel, u.nick, 120_000);
    const after = uniqueNick('a');
    await inBatches(users, 10, async (u) => { u.say(c.channel, `${after}-${users.indexOf(u)}`); await sleep(200); });
    await settle(async () => tally(after, tokens, (await messagesIn(c)).map((m) => m.body)).arrived, { target: SPEAKERS, quietMs: 30_000 });
    const messages = await messagesIn(c);
    const spoke = tally(before, tokens, messages.map((m) => m.body));
    const spokeAfter = tally(after, tokens, messages.map((m) => m.body));
    const wrongGhost = users.filter((u, i) => {
      const line = messages.find((m) => m.body.includes(`${after}-${i}`));
      return line !== undefined && line.sender !== ghostUserId(u.nick);
    }).length;

    report(`netsplit between linked ngIRCd servers: ${SPEAKERS} users who had spoken split off ${SPLIT_MS / 1000} s, relinked`,
      { sent: SPEAKERS * 2, arrived: events, lost: 0, duplicated: 0 },
      `"sent" = QUIT + JOIN per user, "arrived" = Matrix membership events they caused; the hub relayed ${quits} split QUITs; ${seconds} s from cut to quiet`);
    report('  … their lines before the split / after the relink, from the same ghosts', {
      sent: SPEAKERS * 2, arrived: spoke.arrived + spokeAfter.arrived, lost: spoke.lost + spokeAfter.lost, duplicated: spoke.duplicated + spokeAfter.duplicated,
    }, `${wrongGhost} from another ghost`);
    expect(spoke.lost).toBe(0);
    expect(quits).toBeGreaterThan(0);
    expect(membersAfter.kickedOrBannedMatrixUsers).toBe(0);
    expect(await c.alice.client.membershipOf(c.roomId, c.alice.client.userId)).toBe('join');
    // Relinked within the grace: the split is invisible on Matrix, at most a leave and a join each.
    expect(events).toBeLessThanOrEqual(SPEAKERS * 2);
    expect({ lost: spokeAfter.lost, duplicated: spokeAfter.duplicated, wrongGhost }).toEqual({ lost: 0, duplicated: 0, wrongGhost: 0 });
    await inBatches(users, 50, (u) => u.split());
    expect(bridge().process.pid).toBeGreaterThan(0);
  });
});
