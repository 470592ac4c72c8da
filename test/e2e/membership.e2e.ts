/**
 * Channel membership both ways: IRC PART, QUIT and KICK change the Matrix room's membership; a
 * Matrix user leaving the room parts the channel; an IRC nick change shows in the room.
 */
import { uniqueNick } from './harness/irc-client';
import { ghostUserId, bridgeForThisFile, channelScene } from './harness/irc-bridge';

bridgeForThisFile();

const scene = () => channelScene('mem');

describe('IRC → Matrix membership', () => {
  it('an IRC user parting the channel leaves the room', async () => {
    const s = await scene();
    await s.carol.part(s.channel, 'bye all');
    await s.alice.client.waitForMembership(s.roomId, ghostUserId(s.carol.nick), 'leave');
  });

  it('an IRC user quitting IRC leaves the room', async () => {
    const s = await scene();
    const nick = s.carol.nick;
    await s.carol.quit('gone for the day');
    await s.alice.client.waitForMembership(s.roomId, ghostUserId(nick), 'leave');
  });

  it('an IRC user kicked from the channel is removed from the room', async () => {
    const s = await scene();
    s.op.sendRaw(`KICK ${s.channel} ${s.carol.nick} :behave`);
    await s.carol.waitForKick((k) => k.kicked === s.carol.nick);
    await s.alice.client.waitForMembership(s.roomId, ghostUserId(s.carol.nick), 'leave');
  });

  it('a Matrix user kicked on IRC is removed from the Matrix room, and not just on IRC', async () => {
    const s = await scene();
    s.op.sendRaw(`KICK ${s.channel} ${s.alice.nick} :not here`);
    await s.op.waitForKick((k) => k.kicked === s.alice.nick);
    const kick = await s.alice.client.waitForMembership(s.roomId, s.alice.client.userId, 'leave');
    expect(kick.sender).not.toBe(s.alice.client.userId);
  });

  it('an IRC nick change shows the new nick in the room, and later messages under it', async () => {
    const s = await scene();
    const newNick = uniqueNick('carla');
    s.carol.changeNick(newNick);
    await s.op.waitForNick((n) => n.newNick === newNick);
    await s.alice.client.waitForEvent(s.roomId, (e) => e.type === 'm.room.member' && e.content.membership === 'join' && e.content.displayname === newNick);
    s.carol.say(s.channel, 'same person, new name');
    const message = await s.alice.client.waitForMessage(s.roomId, 'same person, new name');
    const members = await s.alice.client.joinedMembers(s.roomId);
    expect(members[message.sender]?.displayName).toBe(newNick);
  });
});

describe('Matrix → IRC membership', () => {
  it('a Matrix user leaving the room parts the channel on IRC', async () => {
    const s = await scene();
    await s.alice.client.leave(s.roomId);
    await expect(s.op.waitForPart((p) => p.nick === s.alice.nick)).resolves.toMatchObject({ channel: s.channel });
  });
});
