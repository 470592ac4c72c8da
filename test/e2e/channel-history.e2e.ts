/**
 * Channel history on rejoin (InspIRCd's chanhistory, channel mode +H): while the bridge is down,
 * IRC users keep talking; when it comes back, the server replays the channel's last lines to the
 * rejoining bot. The lines it missed reach Matrix once, in order, with the time they were said;
 * the lines it had already bridged are recognised by their msgid and not bridged again, and a
 * first join does not backfill what was said before the bridge was there.
 */
import { readE2eEnv } from './harness/env';
import { BOT_NICK, bridgeForThisFile, ghostUserId, joinPortal, matrixUser, uniqueChannel } from './harness/irc-bridge';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { IRC_NETWORK_ID } from './harness/namespaces';

const bridge = bridgeForThisFile(() => {
  const { host, port } = readE2eEnv().ircv3;
  return { irc: { networks: { [IRC_NETWORK_ID]: { host, port } } } };
});


it('lines said while the bridge was down reach Matrix once, in order, with their IRC time; bridged or older lines are not replayed', async () => {
  const channel = uniqueChannel('hist');
  const carol = await connectIrc(uniqueNick('carol'), { server: 'ircv3', echoMessage: true });
  await carol.join(channel);
  // Keep the last 20 lines for a day, replayed to whoever joins.
  carol.mode(channel, '+H', ['20:1d']);
  await carol.waitForMode((m) => m.target === channel && m.rawModes.includes('H'));
  // Replayed to the bot when it first joins, but from before the bridge was there: not bridged.
  await carol.sayEchoed(channel, 'before the bridge');
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, carol);
  await carol.sayEchoed(channel, 'said while bridged');
  await alice.client.waitForMessage(roomId, 'said while bridged');

  await bridge().stop();
  await carol.waitForQuit((q) => q.nick === BOT_NICK);
  const missed = [await carol.sayEchoed(channel, 'missed one'), await carol.sayEchoed(channel, 'missed two')];

  const beforeRestart = carol.rawLines.length;
  await bridge().start();
  await carol.waitForRawLine((l) => new RegExp(`^(@\\S+ )?:${BOT_NICK}!\\S+ JOIN ${channel}( |$)`).test(l), 30_000, beforeRestart);
  // The replay comes with the join; a live line after it shows it has been handled.
  await carol.sayEchoed(channel, 'live again');
  await alice.client.waitForMessage(roomId, 'live again', 30_000);

  const fromCarol = (await alice.client.roomTimeline(roomId)).filter((e) => e.sender === ghostUserId(carol.nick) && e.type === 'm.room.message');
  expect(fromCarol.map((e) => e.content.body)).toEqual(['said while bridged', 'missed one', 'missed two', 'live again']);
  // InspIRCd 3 keeps history times to the second: the replay says 12:00:01.000 for 12:00:01.234.
  expect(fromCarol.slice(1, 3).map((e) => e.origin_server_ts)).toEqual(missed.map((m) => Math.floor(Date.parse(m.tags.time!) / 1000) * 1000));
});
