/** A Matrix user whose first IRC message is a DM (the bot is not in the room) still gets the nick from their display name. */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { ghostUserId, matrixUser, bridgeForThisFile } from './harness/irc-bridge';

jest.setTimeout(60_000);
bridgeForThisFile();

it('a Matrix user whose first IRC message is a DM still gets the nick from their display name', async () => {
  const alice = await matrixUser();
  const dave = await connectIrc(uniqueNick('dave'));
  const roomId = await alice.client.createRoom({ invite: [ghostUserId(dave.nick)], isDirect: true, preset: 'trusted_private_chat' });
  await alice.client.waitForMembership(roomId, ghostUserId(dave.nick), 'join');
  await alice.client.sendText(roomId, 'hello dave, privately');
  const message = await dave.waitForMessage((m) => m.message === 'hello dave, privately');
  expect(message.nick).toBe(alice.nick);
});
