/** IRC channel operator status as Matrix power levels, in portals of room version 12 (the bridge bot is their creator). */
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';

jest.setTimeout(60_000);

bridgeForThisFile();

async function scene(): Promise<{ channel: string; op: IrcTestClient; carol: IrcTestClient; alice: MatrixTestUser; roomId: string }> {
  const channel = uniqueChannel('top');
  const op = await connectIrc(uniqueNick('op'));
  await op.join(channel);
  const carol = await connectIrc(uniqueNick('carol'));
  await carol.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, op);
  carol.say(channel, 'carol speaks');
  await alice.client.waitForMessage(roomId, 'carol speaks');
  await alice.client.sendText(roomId, 'alice speaks');
  await op.waitForMessage((m) => m.nick === alice.nick && m.message === 'alice speaks');
  return { channel, op, carol, alice, roomId };
}

describe('operator status → power levels', () => {
  it('+o on IRC makes the IRC user a moderator in the room, -o takes it back', async () => {
    const s = await scene();
    const ghost = ghostUserId(s.carol.nick);
    s.op.mode(s.channel, '+o', [s.carol.nick]);
    await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.power_levels' && ((e.content.users as Record<string, number> | undefined)?.[ghost] ?? 0) >= 50);
    const after = await s.alice.client.syncPosition();
    s.op.mode(s.channel, '-o', [s.carol.nick]);
    await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.power_levels' && ((e.content.users as Record<string, number> | undefined)?.[ghost] ?? 0) < 50, 15_000, after);
  });
});
