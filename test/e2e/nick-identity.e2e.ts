/**
 * One IRC person, one Matrix user (issue 11, item 2), with two real IRC clients: alice renames
 * herself to alice2 and keeps her ghost; whoever takes the freed nick `alice` next is someone
 * else and speaks as a ghost of their own. Each private chat follows its person, and a bridge
 * restart keeps them apart.
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { BOT_NICK, bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import type { MatrixEvent } from './harness/matrix-client';

jest.setTimeout(90_000);
const bridge = bridgeForThisFile();

/** The ghost the rename rule gives the second person with a nick (ghosts/renames.ts). */
function secondGhostOf(nick: string): string {
  return ghostUserId(nick).replace(/:/, '_2:');
}

/** What the scenario shares between its phases. */
interface Scene {
  channel: string;
  /** The portal of `channel`. */
  portal: string;
  /** An IRC user in the channel who watches the bridge's connections come and go. */
  witness: IrcTestClient;
  /** The Matrix user both alices write to. */
  demo: MatrixTestUser;
  /** The first alice, renamed to `${nick}2`. */
  alice: IrcTestClient;
  /** The second person, who took the freed nick. */
  newAlice: IrcTestClient;
  /** The nick both held, in turn. */
  nick: string;
  /** The private chat with the first alice, and the one with the second. */
  firstDm: string;
  secondDm: string;
}

/** Sends a private message to the Matrix user and resolves with the event it became. */
async function pm(from: IrcTestClient, demo: MatrixTestUser, roomId: string, text: string): Promise<MatrixEvent> {
  from.say(demo.nick, text);
  return demo.client.waitForMessage(roomId, text, 30_000);
}

/** Accepts the DM invite a ghost sends with an IRC user's first private message, and returns its room. */
async function acceptDm(demo: MatrixTestUser, ghost: string): Promise<string> {
  const invite = await demo.client.waitForInvite((i) => i.inviter === ghost, 30_000);
  await demo.client.joinRoom(invite.roomId);
  return invite.roomId;
}

/** The display names a user's member events in a room have had, oldest first. */
async function displayNamesOf(demo: MatrixTestUser, roomId: string, userId: string): Promise<unknown[]> {
  const timeline = await demo.client.roomTimeline(roomId, 500);
  return timeline.filter((e) => e.type === 'm.room.member' && e.state_key === userId).map((e) => e.content.displayname);
}

let scene: Scene | undefined;

it('keeps a renamed IRC user’s ghost and DM, and gives whoever takes the freed nick a ghost and DM of their own', async () => {
  const channel = uniqueChannel('who');
  const witness = await connectIrc(uniqueNick('w'));
  await witness.join(channel);
  const demo = await matrixUser('demo');
  const portal = await joinPortal(demo.client, channel, witness);
  await demo.client.sendText(portal, 'demo is here');
  await witness.waitForMessage((m) => m.nick === demo.nick && m.message === 'demo is here');

  // alice speaks, renames herself, and writes to the Matrix user privately.
  const nick = uniqueNick('alice');
  const alice = await connectIrc(nick);
  await alice.join(channel);
  alice.say(channel, 'alice speaks');
  await expect(demo.client.waitForMessage(portal, 'alice speaks')).resolves.toMatchObject({ sender: ghostUserId(nick) });
  alice.changeNick(`${nick}2`);
  await witness.waitForNick((n) => n.nick === nick && n.newNick === `${nick}2`);
  await demo.client.waitForEvent(portal, (e) => e.type === 'm.room.member' && e.state_key === ghostUserId(nick) && e.content.displayname === `${nick}2`);
  alice.say(demo.nick, 'alice2 writes privately');
  const firstDm = await acceptDm(demo, ghostUserId(nick));
  await expect(demo.client.waitForMessage(firstDm, 'alice2 writes privately')).resolves.toMatchObject({ sender: ghostUserId(nick) });

  // Someone else takes the freed nick: a different Matrix user speaks for them, everywhere.
  const newAlice = await connectIrc(nick);
  await newAlice.join(channel);
  newAlice.say(channel, 'the new alice speaks');
  await expect(demo.client.waitForMessage(portal, 'the new alice speaks')).resolves.toMatchObject({ sender: secondGhostOf(nick) });
  newAlice.say(demo.nick, 'the new alice writes privately');
  const secondDm = await acceptDm(demo, secondGhostOf(nick));
  expect(secondDm).not.toBe(firstDm);
  await expect(demo.client.waitForMessage(secondDm, 'the new alice writes privately')).resolves.toMatchObject({ sender: secondGhostOf(nick) });

  // alice2 speaks again: still her ghost, in the channel and in her own DM.
  alice.say(channel, 'alice2 speaks in the channel');
  await expect(demo.client.waitForMessage(portal, 'alice2 speaks in the channel')).resolves.toMatchObject({ sender: ghostUserId(nick) });
  await expect(pm(alice, demo, firstDm, 'alice2 writes again')).resolves.toMatchObject({ sender: ghostUserId(nick) });
  newAlice.say(channel, 'the new alice speaks again');
  await expect(demo.client.waitForMessage(portal, 'the new alice speaks again')).resolves.toMatchObject({ sender: secondGhostOf(nick) });

  // Answers in each DM reach its own person, not whoever holds the nick the ghost was named after.
  await demo.client.sendText(firstDm, 'demo answers alice2');
  await expect(alice.waitForMessage((m) => m.message === 'demo answers alice2')).resolves.toMatchObject({ nick: demo.nick, target: `${nick}2` });
  await demo.client.sendText(secondDm, 'demo answers the new alice');
  await expect(newAlice.waitForMessage((m) => m.message === 'demo answers the new alice')).resolves.toMatchObject({ nick: demo.nick, target: nick });
  expect(newAlice.receivedMessages.filter((m) => m.message === 'demo answers alice2')).toEqual([]);
  expect(alice.receivedMessages.filter((m) => m.message === 'demo answers the new alice')).toEqual([]);

  // No flipping: the first ghost is called alice2 since the rename, in the portal, in its DM and in its profile.
  const portalNames = await displayNamesOf(demo, portal, ghostUserId(nick));
  const renamedAt = portalNames.indexOf(`${nick}2`);
  expect(renamedAt).toBeGreaterThan(0);
  expect(portalNames.slice(renamedAt)).toEqual(portalNames.slice(renamedAt).map(() => `${nick}2`));
  expect(new Set(await displayNamesOf(demo, firstDm, ghostUserId(nick)))).toEqual(new Set([`${nick}2`]));
  expect((await demo.client.getProfile(ghostUserId(nick))).displayname).toBe(`${nick}2`);
  expect(new Set(await displayNamesOf(demo, portal, secondGhostOf(nick)))).toEqual(new Set([nick]));
  expect(new Set(await displayNamesOf(demo, secondDm, secondGhostOf(nick)))).toEqual(new Set([nick]));
  // Nobody else's messages went to the other's DM.
  expect(await demo.client.messageBodiesFrom(firstDm, secondGhostOf(nick))).toEqual([]);
  expect(await demo.client.messageBodiesFrom(secondDm, ghostUserId(nick))).toEqual([]);

  scene = { channel, portal, witness, demo, alice, newAlice, nick, firstDm, secondDm };
});

it('keeps both people apart across a bridge restart: each one’s next PM lands in their own DM', async () => {
  if (!scene) throw new Error('the first scenario did not finish');
  const { channel, portal, witness, demo, alice, newAlice, nick, firstDm, secondDm } = scene;
  const before = witness.rawLines.length;
  await bridge().restart();
  // The Matrix user's IRC connection is restored; PMs to their nick need it.
  await witness.waitForRawLine((l) => l.startsWith(`:${demo.nick}!`) && / JOIN :?#/.test(l) && l.toLowerCase().endsWith(channel), 30_000, before);
  await witness.waitForMember(channel, BOT_NICK);

  await expect(pm(alice, demo, firstDm, 'alice2 after the restart')).resolves.toMatchObject({ sender: ghostUserId(nick) });
  await expect(pm(newAlice, demo, secondDm, 'the new alice after the restart')).resolves.toMatchObject({ sender: secondGhostOf(nick) });
  alice.say(channel, 'alice2 in the channel after the restart');
  await expect(demo.client.waitForMessage(portal, 'alice2 in the channel after the restart', 30_000)).resolves.toMatchObject({ sender: ghostUserId(nick) });
  newAlice.say(channel, 'the new alice in the channel after the restart');
  await expect(demo.client.waitForMessage(portal, 'the new alice in the channel after the restart', 30_000)).resolves.toMatchObject({ sender: secondGhostOf(nick) });

  await demo.client.sendText(firstDm, 'demo answers alice2 after the restart');
  await expect(alice.waitForMessage((m) => m.message === 'demo answers alice2 after the restart')).resolves.toMatchObject({ target: `${nick}2` });
  await demo.client.sendText(secondDm, 'demo answers the new alice after the restart');
  await expect(newAlice.waitForMessage((m) => m.message === 'demo answers the new alice after the restart')).resolves.toMatchObject({ target: nick });
  expect(newAlice.receivedMessages.filter((m) => /answers alice2/.test(m.message))).toEqual([]);

  // Still no flipping, and no new DM was opened for either.
  expect((await demo.client.getProfile(ghostUserId(nick))).displayname).toBe(`${nick}2`);
  expect((await demo.client.getProfile(secondGhostOf(nick))).displayname).toBe(nick);
  expect(new Set(await displayNamesOf(demo, firstDm, ghostUserId(nick)))).toEqual(new Set([`${nick}2`]));
  expect(await demo.client.messageBodiesFrom(firstDm, secondGhostOf(nick))).toEqual([]);
  expect(await demo.client.messageBodiesFrom(secondDm, ghostUserId(nick))).toEqual([]);
});
