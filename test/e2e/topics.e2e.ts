/** Topics both ways: IRC topic changes show in the room from the setter's ghost; a Matrix topic reaches the channel from the user's nick. */
import { MatrixClient } from './harness/matrix-client';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, channelScene, uniqueChannel } from './harness/irc-bridge';

/** The portal follows the channel's -t (ngIRCd's default for a new channel): anyone may change the topic. */
async function topicOpenToEveryone(s: Awaited<ReturnType<typeof channelScene>>): Promise<void> {
  await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.power_levels' && (e.content.events as Record<string, number> | undefined)?.['m.room.topic'] === 0);
}

bridgeForThisFile();

const scene = () => channelScene('top');

describe('topics', () => {
  it('IRC → Matrix: a topic set on IRC becomes the room topic', async () => {
    const s = await scene();
    s.op.setTopic(s.channel, 'release on friday');
    await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.topic' && e.content.topic === 'release on friday');
    await expect(s.alice.client.getState(s.roomId, 'm.room.topic')).resolves.toMatchObject({ topic: 'release on friday' });
  });

  it('IRC → Matrix: a new portal starts with the channel’s current topic', async () => {
    const channel = uniqueChannel('top');
    const op = await connectIrc(uniqueNick('op'));
    await op.join(channel);
    op.setTopic(channel, 'topic from before the portal');
    await op.waitForTopic((t) => t.channel === channel && t.topic === 'topic from before the portal');
    const alice = await matrixUser();
    const roomId = await joinPortal(alice.client, channel, op);
    await alice.client.waitForEvent(roomId, (e) => e.type === 'm.room.topic' && e.content.topic === 'topic from before the portal');
  });

  it('IRC → Matrix: on a -t channel a user without operator status sets the topic, and the room shows their ghost as its sender', async () => {
    const s = await scene();
    await topicOpenToEveryone(s);
    s.carol.setTopic(s.channel, 'carol was here');
    const event = await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.topic' && e.content.topic === 'carol was here');
    expect(event.sender).toBe(ghostUserId(s.carol.nick));
  });

  it('Matrix → IRC: on a -t channel any Matrix user in the portal sets the topic, and IRC sees it from their nick', async () => {
    const s = await scene();
    await topicOpenToEveryone(s);
    await s.alice.client.setTopic(s.roomId, 'set by a plain Matrix user');
    await expect(s.op.waitForTopic((t) => t.channel === s.channel && t.nick === s.alice.nick)).resolves.toMatchObject({ topic: 'set by a plain Matrix user' });
  });

  it('Matrix → IRC: a room moderator’s topic becomes the channel topic, set by their own nick', async () => {
    const s = await scene();
    // Portal rooms let only moderators change the topic; a server admin makes Alice one, and the
    // channel operator gives her +o on IRC (+t channels need it).
    const admin = await MatrixClient.register(undefined, { admin: true });
    await admin.request('POST', `/_synapse/admin/v1/rooms/${encodeURIComponent(s.roomId)}/make_room_admin`, { json: { user_id: s.alice.client.userId } });
    s.op.mode(s.channel, '+o', [s.alice.nick]);
    await s.op.waitForMode((m) => m.target === s.channel && m.rawModes === '+o');

    await s.alice.client.setTopic(s.roomId, 'set from matrix\nin two lines');
    await expect(s.op.waitForTopic((t) => t.channel === s.channel && t.nick === s.alice.nick)).resolves.toMatchObject({ topic: 'set from matrix in two lines' });
  });
});
