/**
 * Netsplits on two linked InspIRCd servers: an operator splits the leaf off (SQUIT), the bridge
 * (on the hub) sees its users QUIT at once, and when the leaf links again by itself, JOIN again.
 * On Matrix that is one quiet burst: nobody who came back ever left the room, the one user who
 * did not come back leaves once the grace is over, and no Matrix user is kicked.
 *
 * InspIRCd 3 sends these QUITs and JOINs without IRCv3 `netsplit` / `netjoin` batches (its
 * m_ircv3_batch carries labeled-response and history batches only; m_spanningtree opens no
 * batch), so here the bridge knows the split by the QUIT reason ("hub.name leaf.name"). The
 * batches themselves are covered against a scripted server (irc/connection-ircv3.test.ts), and
 * a QUIT in a netsplit batch is held whatever its reason (ghost-sync.ts).
 */
import { readE2eEnv } from './harness/env';
import { bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel } from './harness/irc-bridge';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { startLeafServer, waitForLink, type LeafServer } from './harness/leaf-server';
import { IRC_NETWORK_ID } from './harness/namespaces';

const GRACE_SECONDS = 6;

bridgeForThisFile(() => {
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port, netsplit_grace_seconds: GRACE_SECONDS } } } };
});

let oper: IrcTestClient;
let leaf: LeafServer | undefined;

beforeAll(async () => {
  oper = await connectIrc(uniqueNick('oper'), { server: 'ircv3' });
  const { name, password } = readE2eEnv().ircv3.oper;
  oper.sendRaw(`OPER ${name} ${password}`);
  await oper.waitForRawLine((l) => / 381 /.test(l));
  leaf = await startLeafServer(oper);
});

afterAll(async () => {
  await leaf?.stop();
});

it('a netsplit and its netjoin are one quiet burst on Matrix: only the user who did not come back leaves, and no Matrix user is kicked', async () => {
  const channel = uniqueChannel('split');
  await oper.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, oper);
  const onLeaf = await Promise.all(['carol', 'dave', 'erin'].map((n) => connectIrc(uniqueNick(n), { server: 'ircv3', port: leaf!.port })));
  for (const user of onLeaf) {
    await user.join(channel);
    user.say(channel, `${user.nick} on the leaf`);
    await alice.client.waitForMessage(roomId, `${user.nick} on the leaf`);
  }
  await alice.client.sendText(roomId, 'alice is here');
  await oper.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice is here');
  const [carol, dave] = onLeaf as [IrcTestClient, IrcTestClient, IrcTestClient];
  const before = await alice.client.syncPosition();

  oper.sendRaw(`SQUIT ${leaf!.name} :e2e netsplit`);
  const quit = await oper.waitForQuit((q) => q.nick === carol.nick);
  expect(quit.message).toBe(`${readE2eEnv().ircv3.serverName} ${leaf!.name}`);
  // Dave leaves while split off: the hub never hears his QUIT, so only the grace tells.
  await dave.quit('gone for good');
  await waitForLink(oper, leaf!.name, true);
  await oper.waitForJoin((j) => j.nick === carol.nick && j.channel.toLowerCase() === channel.toLowerCase());

  const daveLeft = await alice.client.waitForMembership(roomId, ghostUserId(dave.nick), 'leave', (GRACE_SECONDS + 15) * 1000, before);
  carol.say(channel, 'carol is back');
  await alice.client.waitForMessage(roomId, 'carol is back', undefined, before);
  const timeline = await alice.client.roomTimeline(roomId);
  const since = timeline.slice(timeline.findIndex((e) => e.content.body === 'alice is here'));
  const memberships = since.filter((e) => e.type === 'm.room.member').map((e) => `${e.state_key} ${String(e.content.membership)}`);
  expect(memberships).toEqual([`${ghostUserId(dave.nick)} leave`]);
  expect(daveLeft.sender).not.toBe(alice.client.userId);
  expect(await alice.client.membershipOf(roomId, alice.client.userId)).toBe('join');
});
