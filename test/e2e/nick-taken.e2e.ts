/**
 * An IRC user already holds the nick a Matrix user's IRC connection asks for: the connection
 * registers under another nick, and the IRC user stays someone else. Found trying the stack:
 * the bridge kept the nick it had asked for among its own, and from then on dropped every line
 * of the IRC user who held it as if it were the Matrix user's own echo.
 */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { bridgeForThisFile, joinPortal, matrixUser, uniqueChannel } from './harness/irc-bridge';
import { GHOST_LOCALPART_PREFIX, IRC_NETWORK_ID } from './harness/namespaces';

jest.setTimeout(90_000);
bridgeForThisFile();

it('keeps bridging the IRC user who holds the nick a Matrix user wanted', async () => {
  const channel = uniqueChannel('taken');
  const witness = await connectIrc(uniqueNick('w'));
  await witness.join(channel);
  const fred = await matrixUser('fred');

  // Someone on IRC already uses the nick fred's connection will ask for.
  const holder = await connectIrc(fred.nick);
  await holder.join(channel);

  const portal = await joinPortal(fred.client, channel, witness);
  await fred.client.sendText(portal, 'fred from Matrix');
  const fromFred = await witness.waitForMessage((m) => m.message === 'fred from Matrix', 30_000);
  expect(fromFred.nick).not.toBe(fred.nick);

  holder.say(channel, 'the IRC user who had the nick first');
  // Before the fix this line never reached Matrix: the bridge took its sender for fred's own echo.
  const fromHolder = await fred.client.waitForMessage(portal, 'the IRC user who had the nick first', 30_000);
  expect(fromHolder.sender.startsWith(`@${GHOST_LOCALPART_PREFIX}${IRC_NETWORK_ID}_`)).toBe(true);
  // fred's own line came back from no ghost: the bridge still knows fred's connection by its nick.
  const timeline = await fred.client.roomTimeline(portal, 200);
  expect(timeline.filter((e) => e.type === 'm.room.message' && e.content.body === 'fred from Matrix').map((e) => e.sender)).toEqual([fred.client.userId]);
});
