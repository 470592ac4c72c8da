/** IRC channel operator status as Matrix power levels, in portals of room version 12 (the bridge bot is their creator). */
import { ghostUserId, bridgeForThisFile, channelScene } from './harness/irc-bridge';

bridgeForThisFile();

const scene = () => channelScene('top');

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
