/**
 * Dynamic portals: a Matrix user joins `#irc_e2e_#channel:e2e.test` and the bridge makes the room
 * for that channel on the spot; the people on IRC see the bridge (and the user) arrive.
 */
import { connectIrc, uniqueNick } from './harness/irc-client';
import { BOT_NICK, joinPortal, matrixUser, portalAlias, bridgeForThisFile, uniqueChannel } from './harness/irc-bridge';
import { MatrixApiError } from './harness/matrix-client';
import { senderUserId, SERVER_NAME } from './harness/namespaces';

bridgeForThisFile();

describe('dynamic portals', () => {
  it('joining a portal alias creates a room for the channel, with the bridge bot in it and in the channel', async () => {
    const channel = uniqueChannel();
    const irc = await connectIrc(uniqueNick('i'));
    await irc.join(channel);
    const alice = await matrixUser();

    const roomId = await alice.client.joinRoom(portalAlias(channel));
    await expect(alice.client.resolveAlias(portalAlias(channel))).resolves.toBe(roomId);
    await expect(alice.client.getState(roomId, 'm.room.name')).resolves.toEqual({ name: channel });
    const members = await alice.client.joinedMembers(roomId);
    expect(Object.keys(members).sort()).toEqual([alice.client.userId, senderUserId()].sort());
    await irc.waitForMember(channel, BOT_NICK);
  });

  it('shows the Matrix user joining the channel on IRC as soon as they join the room', async () => {
    const channel = uniqueChannel();
    const irc = await connectIrc(uniqueNick('i'));
    await irc.join(channel);
    const alice = await matrixUser();
    await joinPortal(alice.client, channel, irc);
    // Before Alice says anything: membership, not a message, brings her IRC connection in.
    await irc.waitForMember(channel, alice.nick);
  });

  it('brings a second Matrix user joining the same alias into the same room', async () => {
    const channel = uniqueChannel();
    const irc = await connectIrc(uniqueNick('i'));
    await irc.join(channel);
    const alice = await matrixUser();
    const bob = await matrixUser();
    const roomId = await joinPortal(alice.client, channel, irc);
    await expect(bob.client.joinRoom(portalAlias(channel))).resolves.toBe(roomId);
    await bob.client.sendText(roomId, 'bob is here too');
    await expect(irc.waitForMessage((m) => m.message === 'bob is here too')).resolves.toMatchObject({ nick: bob.nick, target: channel });
  });

  it('creates the channel on IRC when nobody is in it yet', async () => {
    const channel = uniqueChannel('empty');
    const alice = await matrixUser();
    const roomId = await alice.client.joinRoom(portalAlias(channel));
    await alice.client.sendText(roomId, 'anyone?');
    // An IRC user arriving later finds the bridge there.
    const irc = await connectIrc(uniqueNick('late'));
    await irc.join(channel);
    await irc.waitForMember(channel, BOT_NICK);
    irc.say(channel, 'I am here now');
    await expect(alice.client.waitForMessage(roomId, 'I am here now')).resolves.toMatchObject({ content: { msgtype: 'm.text' } });
  });

  it('does not create a room for an alias that names no channel', async () => {
    const alice = await matrixUser();
    const error = await alice.client.joinRoom(`#irc_e2e_notachannel:${SERVER_NAME}`).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(MatrixApiError);
    expect((error as MatrixApiError).status).toBe(404);
  });
});
