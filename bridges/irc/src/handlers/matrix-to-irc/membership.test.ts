// Unit tests (in-process fakes) of Matrix membership → IRC: leaves, kicks and bans of Matrix
// users part their puppets; kicks and bans of ghosts become KICK/+b only with the kicker's ops.
import { asRoomId, type RoomId, type UserId } from '@bridgekit/appservice';
import { alice, bob, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';
import { mayRemove } from './kick-ban';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function member(roomId: RoomId, sender: UserId, target: UserId, membership: string, extra: Record<string, unknown> = {}, previous = 'join') {
  return h.matrixEvent(roomId, sender, { membership, ...extra }, 'm.room.member', { stateKey: target, unsigned: { prev_content: { membership: previous } } });
}

function linesOf(nick: string, ...kinds: string[]) {
  return h.server.sent.filter((l) => l.from === nick && kinds.includes(l.kind)).map((l) => `${l.kind} ${l.target} ${l.text}`.trim());
}

function noticesTo(roomId: RoomId, userId: UserId): string[] {
  return h.messagesIn(roomId).filter((e) => (e.content['m.mentions'] as { user_ids?: string[] } | undefined)?.user_ids?.includes(userId)).map((e) => String(e.content.body));
}

describe('Matrix users leaving', () => {
  it('parts the puppet when the user leaves, with their reason; kicks and bans say who', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await h.matrixEvent(roomId, bob, { msgtype: 'm.text', body: 'hi' });
    await member(roomId, alice, alice, 'leave', { reason: 'lunch' });
    await member(roomId, alice, bob, 'ban', { reason: 'spam' });
    expect(linesOf('alice[m]', 'part')).toEqual(['part #chan lunch']);
    expect(linesOf('bob[m]', 'part')).toEqual([`part #chan Banned from Matrix by ${alice}: spam`]);
    // Gone for good: a reconnect does not bring the channel back.
    h.server.dropAll();
    await h.advance(1000);
    expect(h.server.client('alice[m]')?.joinedChannels.has('#chan')).toBe(false);
  });

  it('does not part while the user is still in another room bridged to the channel', async () => {
    const other = asRoomId('!static:hs.test');
    h = await startHarness({ network: { static_rooms: [{ channel: CHANNEL, room_id: other }] } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.tb.homeserver.model.join(alice, other);
    await member(roomId, alice, alice, 'leave');
    expect(linesOf('alice[m]', 'part')).toEqual([]);
    await member(other, alice, alice, 'leave'); // the push records the leave on the homeserver too
    expect(linesOf('alice[m]', 'part')).toEqual(['part #chan']);
  });

  it('does nothing for users without a connection, and for profile changes', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await member(roomId, bob, bob, 'leave', {}, 'invite');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await member(roomId, alice, alice, 'join', { displayname: 'Alice' });
    expect(h.server.sent.filter((l) => l.kind === 'part')).toEqual([]);
    expect(h.server.client('bob[m]')).toBeUndefined();
  });
});

describe('kicking and banning IRC users from Matrix', () => {
  async function setup(ops: boolean) {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    if (ops) h.server.setModes('ChanServ', CHANNEL, '+o', ['alice[m]']);
    await h.settle();
    return roomId;
  }

  it('kicks on IRC from the kicker\'s own connection when it has ops', async () => {
    const roomId = await setup(true);
    await member(roomId, alice, ghostOf('carol'), 'leave', { reason: 'behave' });
    expect(linesOf('alice[m]', 'kick', 'mode')).toEqual(['kick #chan carol behave']);
    expect(noticesTo(roomId, alice)).toEqual([]);
  });

  it('bans with nick!*@* and kicks; lifting the Matrix ban lifts the IRC one', async () => {
    const roomId = await setup(true);
    await member(roomId, alice, ghostOf('carol'), 'ban');
    expect(linesOf('alice[m]', 'kick', 'mode')).toEqual(['mode #chan +b carol!*@*', `kick #chan carol by ${alice} on Matrix`]);
    await member(roomId, alice, ghostOf('carol'), 'leave', {}, 'ban');
    expect(linesOf('alice[m]', 'kick', 'mode').at(-1)).toBe('mode #chan -b carol!*@*');
  });

  it('drops the power level of a ghost kicked from Matrix', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    h.server.setModes('ChanServ', CHANNEL, '+o', ['carol']);
    const roomId = await h.portal();
    const users = () => h.stateOf<{ users: Record<string, number> }>(roomId, 'm.room.power_levels')!.users;
    expect(users()[ghostOf('carol')]).toBe(50);
    await member(roomId, alice, ghostOf('carol'), 'leave');
    expect(users()[ghostOf('carol')]).toBeUndefined();
  });

  it('tells the kicker instead when their IRC user has no ops', async () => {
    const roomId = await setup(false);
    await member(roomId, alice, ghostOf('carol'), 'leave');
    expect(linesOf('alice[m]', 'kick', 'mode')).toEqual([]);
    expect(noticesTo(roomId, alice)).toEqual([
      `${alice}: You kicked carol here, but not on IRC: your IRC user alice[m] is not a channel operator in #chan. carol stays in #chan on IRC, and their next message there brings them back here.`,
    ]);
  });

  it('tells the kicker when they have no IRC connection at all', async () => {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    await member(roomId, bob, ghostOf('carol'), 'ban');
    expect(noticesTo(roomId, bob)[0]).toContain('You banned carol here, but not on IRC: you have no IRC connection right now');
    expect(h.server.client('bob[m]')).toBeUndefined();
  });

  it('a half-op may kick a voiced user but not an op', () => {
    const network = { isupport: { prefix: [{ mode: 'o', symbol: '@' }, { mode: 'h', symbol: '%' }, { mode: 'v', symbol: '+' }] } } as never;
    expect(mayRemove(network, '%', '+')).toBe(true);
    expect(mayRemove(network, '%', '@')).toBe(false);
    expect(mayRemove(network, '@', '@')).toBe(true);
    expect(mayRemove(network, '+', '')).toBe(false);
  });
});

describe('inviting IRC users from Matrix', () => {
  it('sends INVITE from the inviter\'s connection when it is in the channel', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await member(roomId, bob, ghostOf('Carol'), 'invite', {}, 'leave');
    expect(noticesTo(roomId, bob)[0]).toContain('Carol was not invited to #chan on IRC: your IRC user is not in the channel');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await member(roomId, alice, ghostOf('Carol'), 'invite', {}, 'leave');
    expect(linesOf('alice[m]', 'invite')).toEqual(['invite #chan Carol']);
  });
});
