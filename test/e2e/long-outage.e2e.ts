/** IRC lines said during a homeserver outage longer than the core's own request retries still arrive: IRC has no history, so the bridge holds them. */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel } from './harness/irc-bridge';
import { restartHomeserver } from './harness/server-restarts';
import { delay } from './harness/wait';

bridgeForThisFile();

it('IRC lines said during a 20 s homeserver outage all arrive, in order, once', async () => {
  const channel = uniqueChannel('res');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  irc.say(channel, 'before');
  await alice.client.waitForMessage(roomId, 'before');
  await restartHomeserver(async () => {
    irc.say(channel, 'during 1');
    irc.say(channel, 'during 2');
    await delay(20_000); // the outage itself: nothing to wait for
  });
  irc.say(channel, 'after');
  await alice.client.waitForMessage(roomId, 'after', 60_000);
  expect(await alice.client.messageBodiesFrom(roomId, ghostUserId(irc.nick))).toEqual(['before', 'during 1', 'during 2', 'after']);
});
