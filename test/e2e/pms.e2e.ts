/**
 * Private messages both ways: an IRC user messaging a Matrix user's IRC nick gets them a DM room
 * with the IRC user's ghost; a Matrix user inviting a ghost to a DM talks to that IRC user.
 */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';

bridgeForThisFile();

/** A Matrix user whose IRC connection is up (they spoke in a portal), so IRC users can reach their nick. */
async function connectedMatrixUser(): Promise<MatrixTestUser> {
  const channel = uniqueChannel('pm');
  const witness = await connectIrc(uniqueNick('w'));
  await witness.join(channel);
  const user = await matrixUser();
  const roomId = await joinPortal(user.client, channel, witness);
  await user.client.sendText(roomId, 'online');
  await witness.waitForMessage((m) => m.nick === user.nick && m.message === 'online');
  return user;
}

describe('private messages', () => {
  it('IRC → Matrix: a PRIVMSG to the Matrix user’s nick opens a DM from the IRC user’s ghost', async () => {
    const alice = await connectedMatrixUser();
    const carol = await connectIrc(uniqueNick('carol'));
    carol.say(alice.nick, 'psst, a private word');

    const invite = await alice.client.waitForInvite((i) => i.inviter === ghostUserId(carol.nick));
    await alice.client.joinRoom(invite.roomId);
    const event = await alice.client.waitForMessage(invite.roomId, 'psst, a private word');
    expect(event.sender).toBe(ghostUserId(carol.nick));

    carol.say(alice.nick, 'and a second one');
    await expect(alice.client.waitForMessage(invite.roomId, 'and a second one')).resolves.toMatchObject({ sender: ghostUserId(carol.nick) });
    // Alice answers in that room; Carol gets it as a private message from Alice's nick.
    await alice.client.sendText(invite.roomId, 'got it');
    await expect(carol.waitForMessage((m) => m.message === 'got it')).resolves.toMatchObject({ type: 'privmsg', nick: alice.nick, target: carol.nick });
  });

  it('Matrix → IRC: inviting an IRC user’s ghost to a DM sends them the Matrix user’s messages privately', async () => {
    const alice = await matrixUser();
    const dave = await connectIrc(uniqueNick('dave'));
    const roomId = await alice.client.createRoom({ invite: [ghostUserId(dave.nick)], isDirect: true, preset: 'trusted_private_chat' });
    await alice.client.waitForMembership(roomId, ghostUserId(dave.nick), 'join');

    await alice.client.sendText(roomId, 'hello dave, privately');
    const message = await dave.waitForMessage((m) => m.message === 'hello dave, privately');
    // From Alice's own IRC connection (its nick is checked in the portal scenarios).
    expect(message).toMatchObject({ type: 'privmsg', nick: expect.stringMatching(/\[m\]$/), target: dave.nick });

    dave.say(message.nick!, 'hi alice');
    await expect(alice.client.waitForMessage(roomId, 'hi alice')).resolves.toMatchObject({ sender: ghostUserId(dave.nick) });
  });

  it('tells the Matrix user when the IRC user they write to is not online', async () => {
    const alice = await matrixUser();
    const gone = uniqueNick('gone');
    const roomId = await alice.client.createRoom({ invite: [ghostUserId(gone)], isDirect: true, preset: 'trusted_private_chat' });
    await alice.client.waitForMembership(roomId, ghostUserId(gone), 'join');
    await alice.client.sendText(roomId, 'are you there?');
    const notice = await alice.client.waitForEvent(roomId, (e) => e.type === 'm.room.message' && e.content.msgtype === 'm.notice');
    expect(String(notice.content.body)).toContain(alice.client.userId);
    expect(String(notice.content.body)).toMatch(/not delivered/i);
    expect(String(notice.content.body)).toContain(gone);
  });
});
