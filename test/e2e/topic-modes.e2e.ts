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

  it('+t on IRC makes the topic need the op level (50) in the room, -t lets everyone change it again', async () => {
    const s = await scene();
    const topicLevel = (e: { type: string; content: Record<string, unknown> }) =>
      e.type === 'm.room.power_levels' ? (e.content.events as Record<string, number> | undefined)?.['m.room.topic'] : undefined;
    await s.alice.client.waitForEvent(s.roomId, (e) => topicLevel(e) === 0);
    const before = await s.alice.client.syncPosition();
    s.op.mode(s.channel, '+t');
    await s.alice.client.waitForEvent(s.roomId, (e) => topicLevel(e) === 50, 15_000, before);
    await expect(s.alice.client.setTopic(s.roomId, 'not mine to set')).rejects.toMatchObject({ status: 403, errcode: 'M_FORBIDDEN' });
    // The channel operator has never spoken (lazy membership): their ghost gets its level, then sets the topic.
    s.op.setTopic(s.channel, 'ops only now');
    const topic = await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.topic' && e.content.topic === 'ops only now');
    expect(topic.sender).toBe(ghostUserId(s.op.nick));
    const locked = await s.alice.client.syncPosition();
    s.op.mode(s.channel, '-t');
    await s.alice.client.waitForEvent(s.roomId, (e) => topicLevel(e) === 0, 15_000, locked);
  });
});
