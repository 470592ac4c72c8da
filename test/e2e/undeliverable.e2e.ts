/**
 * A Matrix message IRC refuses is never dropped silently: the sender gets a notice in the room,
 * mentioning them, saying it did not arrive and why.
 */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import type { MatrixEvent } from './harness/matrix-client';
import { senderUserId } from './harness/namespaces';

bridgeForThisFile();

/** A channel whose operator is an IRC user (the first to join an IRC channel gets +o). */
async function channelWithOperator(): Promise<{ channel: string; op: IrcTestClient; alice: MatrixTestUser; roomId: string }> {
  const channel = uniqueChannel('mod');
  const op = await connectIrc(uniqueNick('op'));
  await op.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, op);
  await alice.client.sendText(roomId, 'before the lock-down');
  await op.waitForMessage((m) => m.nick === alice.nick && m.message === 'before the lock-down');
  return { channel, op, alice, roomId };
}

function isNoticeFor(userId: string): (e: MatrixEvent) => boolean {
  return (e) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice' && e.sender === senderUserId() && String(e.content.body).includes(userId);
}

describe('undeliverable Matrix messages', () => {
  it('tells the sender when a moderated channel (+m) refuses their message', async () => {
    const c = await channelWithOperator();
    c.op.mode(c.channel, '+m');
    await c.op.waitForMode((m) => m.target === c.channel && m.rawModes === '+m');
    const after = await c.alice.client.syncPosition();

    await c.alice.client.sendText(c.roomId, 'can anyone hear me?');
    const notice = await c.alice.client.waitForEvent(c.roomId, isNoticeFor(c.alice.client.userId), 15_000, after);
    expect(String(notice.content.body)).toMatch(/not delivered/);
    expect(String(notice.content.body)).toContain(c.channel);
    expect(notice.content['m.mentions']).toEqual({ user_ids: [c.alice.client.userId] });
    expect(c.op.receivedMessages.map((m) => m.message)).not.toContain('can anyone hear me?');
  });

  it('tells the sender when a ban on IRC keeps their message out of the channel', async () => {
    const c = await channelWithOperator();
    c.op.mode(c.channel, '+b', [`${c.alice.nick}!*@*`]);
    await c.op.waitForMode((m) => m.target === c.channel && m.rawModes === '+b');
    const after = await c.alice.client.syncPosition();

    await c.alice.client.sendText(c.roomId, 'am I banned?');
    const notice = await c.alice.client.waitForEvent(c.roomId, isNoticeFor(c.alice.client.userId), 15_000, after);
    expect(String(notice.content.body)).toMatch(/not delivered/);
    expect(c.op.receivedMessages.map((m) => m.message)).not.toContain('am I banned?');
  });

  it('tells a user kicked and banned on IRC, who rejoins the room, that IRC refuses them', async () => {
    const c = await channelWithOperator();
    c.op.mode(c.channel, '+b', [`${c.alice.nick}!*@*`]);
    await c.op.waitForMode((m) => m.target === c.channel && m.rawModes === '+b');
    c.op.sendRaw(`KICK ${c.channel} ${c.alice.nick} :out`);
    await c.alice.client.waitForMembership(c.roomId, c.alice.client.userId, 'leave');

    const after = await c.alice.client.syncPosition();
    await c.alice.client.joinRoom(c.roomId);
    const notice = await c.alice.client.waitForEvent(c.roomId, isNoticeFor(c.alice.client.userId), 15_000, after);
    expect(String(notice.content.body)).toMatch(/banned/i);
  });
});
