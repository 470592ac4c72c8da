// Unit tests (in-process fakes) of channel state IRC → Matrix: topics (no echo), prefix modes →
// power levels (coalesced, one way), and +i/+k/+s/+m, including the modes reported on join.
import { asRoomId, type RoomId } from '@bridgekit/appservice';
import type { PowerLevelsContent } from '../../ghosts/power-levels';
import { alice, BOT, BOT_NICK, CHANNEL, ghostOf, startHarness, type Harness } from '../../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function levels(roomId: RoomId): Record<string, number> {
  return h.stateOf<PowerLevelsContent>(roomId, 'm.room.power_levels')?.users ?? {};
}

/** The power level `m.room.topic` needs in the room now. */
function topicLevel(roomId: RoomId): number | undefined {
  const content = h.stateOf<{ events?: Record<string, number>; state_default?: number }>(roomId, 'm.room.power_levels');
  return content?.events?.['m.room.topic'] ?? content?.state_default ?? 50;
}

function stateWrites(roomId: RoomId, type: string) {
  return h.tb.sent.events(roomId).filter((e) => e.type === type);
}

describe('topics', () => {
  it('sets the room topic from IRC, formatting stripped, once, as the setter\'s ghost: on a -t channel anyone may', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    expect(topicLevel(roomId)).toBe(0);
    h.server.setTopic('dave', CHANNEL, 'from dave');
    h.server.setTopic('carol', CHANNEL, '\x02Welcome\x02 to #chan');
    h.server.setTopic('carol', CHANNEL, '\x02Welcome\x02 to #chan');
    await h.settle();
    expect(stateWrites(roomId, 'm.room.topic').map((e) => [e.sender, e.content.topic])).toEqual([
      [ghostOf('dave'), 'from dave'],
      [ghostOf('carol'), 'Welcome to #chan'],
    ]);
  });

  it('follows +t: the topic needs the op level, an operator\'s ghost sets it, the bot stands in for a ghost without the level; -t opens it again', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    h.server.setModes('ChanServ', CHANNEL, '+to', ['carol']);
    const roomId = await h.portal();
    expect(topicLevel(roomId)).toBe(50);
    h.server.setTopic('carol', CHANNEL, 'by an op');
    // Servers let some non-operators (services, half-ops) set a +t topic; the ghost has no level for it.
    h.server.setTopic('dave', CHANNEL, 'by a half-op');
    await h.settle();
    expect(stateWrites(roomId, 'm.room.topic').map((e) => [e.sender, e.content.topic])).toEqual([
      [ghostOf('carol'), 'by an op'],
      [BOT, 'by a half-op'],
    ]);
    h.server.setModes('carol', CHANNEL, '-t');
    await h.settle();
    expect(topicLevel(roomId)).toBe(0);
    h.server.setModes('carol', CHANNEL, '+t');
    await h.settle();
    expect(topicLevel(roomId)).toBe(50);
  });

  it('on a +t channel an operator who never spoke (lazy membership) sets the topic as their ghost, given their level first', async () => {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    h.server.setModes('ChanServ', CHANNEL, '+to', ['carol']);
    const roomId = await h.portal();
    h.server.setTopic('carol', CHANNEL, 'ops only');
    await h.settle();
    expect(stateWrites(roomId, 'm.room.topic').map((e) => [e.sender, e.content.topic])).toEqual([[ghostOf('carol'), 'ops only']]);
    expect(levels(roomId)[ghostOf('carol')]).toBe(50);
  });

  it('takes the op level from mode_power_levels, and leaves the topic level of a plumbed room alone', async () => {
    h = await startHarness({ network: { mode_power_levels: { o: 40 }, static_rooms: [{ channel: '#plumbed', room_id: '!plumbed:hs.test' }] } });
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+t');
    h.server.setModes('ChanServ', '#plumbed', '+t');
    h.server.setModes('ChanServ', '#plumbed', '-t');
    await h.settle();
    expect(topicLevel(roomId)).toBe(40);
    expect(stateWrites(asRoomId('!plumbed:hs.test'), 'm.room.power_levels')).toEqual([]);
  });

  it('takes the topic the server reports when the bot joins (the bot sets it)', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.client(BOT_NICK)!.emitEvent('topic', { all: {}, channel: CHANNEL as never, topic: 'from 332' });
    await h.settle();
    expect(stateWrites(roomId, 'm.room.topic').map((e) => [e.sender, e.content.topic])).toEqual([[BOT, 'from 332']]);
  });

  it('sends a Matrix topic to IRC from the user\'s own connection, and does not echo it back', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { topic: 'set\nfrom Matrix' }, 'm.room.topic', { stateKey: '' });
    expect(h.server.sent.filter((l) => l.kind === 'topic')).toEqual([{ from: 'alice[m]', kind: 'topic', target: '#chan', text: 'set from Matrix' }]);
    expect(stateWrites(roomId, 'm.room.topic')).toEqual([]);
  });

  it('tells the user when IRC refuses the topic (482)', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { topic: 'mine' }, 'm.room.topic', { stateKey: '' });
    h.server.client('alice[m]')!.emitEvent('serverError', { error: 'chanop_privs_needed', channel: CHANNEL, reason: "You're not channel operator" });
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual([
      `${alice}: #chan on Test Net refused your change: your IRC user alice[m] needs channel operator status there (You're not channel operator).`,
    ]);
  });
});

describe('prefix modes → power levels', () => {
  it('gives ghosts the configured level for their highest prefix, and takes it back', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    h.server.userJoins('dave', CHANNEL);
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+ov', ['carol', 'dave']);
    await h.settle();
    expect(levels(roomId)).toEqual({ [BOT]: 100, [ghostOf('carol')]: 50, [ghostOf('dave')]: 1 });
    h.server.setModes('carol', CHANNEL, '-o+v', ['carol', 'carol']);
    await h.settle();
    expect(levels(roomId)).toEqual({ [BOT]: 100, [ghostOf('carol')]: 1, [ghostOf('dave')]: 1 });
    h.server.userParts('dave', CHANNEL);
    await h.settle();
    expect(levels(roomId)).toEqual({ [BOT]: 100, [ghostOf('carol')]: 1 });
  });

  it('writes one power level event for a whole NAMES list, with the configured levels ', async () => {
    h = await startHarness({ network: { membership_sync: 'all', mode_power_levels: { o: 40, v: 5 } } });
    for (const nick of ['op1', 'op2', 'voice1', 'plain']) h.server.userJoins(nick, CHANNEL);
    h.server.setModes('ChanServ', CHANNEL, '+oov', ['op1', 'op2', 'voice1']);
    const roomId = await h.portal();
    expect(levels(roomId)).toEqual({ [BOT]: 100, [ghostOf('op1')]: 40, [ghostOf('op2')]: 40, [ghostOf('voice1')]: 5 });
    // The topic level (from the 324 at join) is written before the ghosts have joined; their levels come in one event after.
    expect(topicLevel(roomId)).toBe(0);
    const ghostWrites = stateWrites(roomId, 'm.room.power_levels').filter((e) => Object.keys((e.content as PowerLevelsContent).users ?? {}).some((u) => u !== BOT));
    expect(ghostWrites).toHaveLength(1);
  });

  it('never raises a Matrix user for their puppet\'s IRC status, and gives lazy ghosts their level when they speak', async () => {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.server.setModes('ChanServ', CHANNEL, '+oo', ['alice[m]', 'carol']);
    await h.settle();
    expect(levels(roomId)).toEqual({ [BOT]: 100 }); // carol has no ghost in the room yet
    h.server.userSays('carol', CHANNEL, 'hello');
    await h.settle();
    expect(levels(roomId)).toEqual({ [BOT]: 100, [ghostOf('carol')]: 50 });
  });
});

describe('prefix modes → power levels in room version 12 (creators outrank everyone and are not listed)', () => {
  it('works in a portal the bridge created: the bot is its creator, and is never written into the users', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.tb.homeserver.model.defaultRoomVersion = '12';
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+o', ['carol']);
    await h.settle();
    expect(levels(roomId)).toEqual({ [ghostOf('carol')]: 50 });
    h.server.setModes('ChanServ', CHANNEL, '-o', ['carol']);
    await h.settle();
    expect(levels(roomId)).toEqual({});
  });

  it('writes nothing in a plumbed room someone else created, where the bot has no power', async () => {
    const roomId = '!plumbed12:hs.test' as RoomId;
    h = await startHarness({
      network: { membership_sync: 'all', static_rooms: [{ channel: CHANNEL, room_id: roomId }] },
      // Alice made it (room version 12: she is its creator, unlisted); the bot may join but has no power.
      seed: (hs) => {
        hs.model.addUser(alice);
        hs.model.createRoom(alice, { room_version: '12', preset: 'public_chat' }, roomId);
      },
    });
    expect(h.stateOf(roomId, 'm.room.power_levels')).toMatchObject({ users: {}, state_default: 50 });
    expect(h.tb.homeserver.model.room(roomId).membership(BOT)).toBe('join');
    h.server.userJoins('carol', CHANNEL);
    h.server.setModes('ChanServ', CHANNEL, '+o', ['carol']);
    await h.settle();
    expect(stateWrites(roomId, 'm.room.power_levels')).toEqual([]);
  });
});

describe('Matrix power levels', () => {
  it('never give anyone IRC status', async () => {
    h = await startHarness({ network: { membership_sync: 'all' } });
    h.server.userJoins('carol', CHANNEL);
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    await h.matrixEvent(roomId, alice, { users: { [BOT]: 100, [alice]: 100, [ghostOf('carol')]: 50 } }, 'm.room.power_levels', { stateKey: '' });
    expect(h.server.sent.filter((l) => l.kind === 'mode')).toEqual([]);
    expect(h.server.names(CHANNEL)).toEqual(new Map([['carol', ''], [BOT_NICK, ''], ['alice[m]', '']]));
  });
});

describe('channel modes', () => {
  it('+i/-i switch the join rule of a room the bridge created', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+i');
    await h.settle();
    expect(h.stateOf(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'invite' });
    h.server.setModes('ChanServ', CHANNEL, '-i');
    await h.settle();
    expect(h.stateOf(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'public' });
    expect(stateWrites(roomId, 'm.room.join_rules')).toHaveLength(2);
  });

  it('leaves the join rule of a plumbed (static) room alone', async () => {
    const roomId = '!static:hs.test' as RoomId;
    h = await startHarness({ network: { static_rooms: [{ channel: CHANNEL, room_id: roomId }] } });
    h.server.setModes('ChanServ', CHANNEL, '+i');
    await h.settle();
    expect(stateWrites(roomId, 'm.room.join_rules')).toEqual([]);
  });

  it('stores +k for every later join (bot and users) and forgets it on -k, never logging it', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+k', ['sesame']);
    await h.settle();
    expect(h.connector.bridge.portals.channelsOfRoom(roomId)[0]!.key).toBe('sesame');
    const bot = h.server.client(BOT_NICK)!;
    const joins: Array<string | undefined> = [];
    const join = bot.join.bind(bot);
    bot.join = async (channel: string, key?: string) => {
      joins.push(key);
      return join(channel);
    };
    bot.drop();
    await h.advance(1000);
    expect(joins).toEqual(['sesame']);
    expect(JSON.stringify(h.tb.logs)).not.toContain('sesame');
    h.server.setModes('ChanServ', CHANNEL, '-k', ['sesame']);
    await h.settle();
    expect(h.connector.bridge.portals.channelsOfRoom(roomId)[0]!.key).toBeUndefined();
  });

  it('+m/-m are told in the room once, however often the server repeats them', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.server.setModes('ChanServ', CHANNEL, '+m');
    h.server.setModes('ChanServ', CHANNEL, '+m');
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000); // rejoin: the server reports +m again (324)
    h.server.setModes('ChanServ', CHANNEL, '-m');
    await h.settle();
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual([
      '#chan is now moderated (+m) on Test Net: only users with voice (+v) or operator status can talk there, so messages from Matrix users without voice will be refused.',
      '#chan is no longer moderated (-m) on Test Net: everyone can talk there again.',
    ]);
  });

  it('keeps portals out of the room directory by default, and takes one out again on +s', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    expect(h.tb.sent.to('createRoom')[0]!.body.visibility).toBe('private');
    h.server.setModes('ChanServ', CHANNEL, '-s');
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000); // rejoin: 324 again
    expect(h.tb.sent.listings()).toEqual([]);
    h.server.setModes('ChanServ', CHANNEL, '+s');
    await h.settle();
    expect(h.tb.sent.listings()).toEqual([{ by: BOT, roomId, visibility: 'private' }]);
  });

  it('with publish_portals lists a portal once its channel is known not to be secret, hides it on +s, lists it again on -s', async () => {
    h = await startHarness({ network: { publish_portals: true } });
    const roomId = await h.portal();
    expect(h.tb.sent.to('createRoom')[0]!.body.visibility).toBe('private'); // listed only after 324 said "not secret"
    expect(h.tb.sent.listings().map((d) => d.visibility)).toEqual(['public']);
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000);
    expect(h.tb.sent.listings().map((d) => d.visibility)).toEqual(['public']); // a reconnect costs nothing
    h.server.setModes('ChanServ', CHANNEL, '+s');
    await h.settle();
    h.server.setModes('ChanServ', CHANNEL, '-s');
    await h.settle();
    expect(h.tb.sent.listings()).toEqual([
      { by: BOT, roomId, visibility: 'public' },
      { by: BOT, roomId, visibility: 'private' },
      { by: BOT, roomId, visibility: 'public' },
    ]);
  });

  it('never lists a secret channel\'s portal, even with publish_portals', async () => {
    h = await startHarness({ network: { publish_portals: true } });
    h.server.setModes('ChanServ', CHANNEL, '+s');
    await h.portal();
    expect(h.tb.sent.listings().map((d) => d.visibility)).toEqual(['private']);
  });

  it('never lists or hides a plumbed (static) room', async () => {
    const roomId = '!static:hs.test' as RoomId;
    h = await startHarness({ network: { publish_portals: true, static_rooms: [{ channel: CHANNEL, room_id: roomId }] } });
    h.server.setModes('ChanServ', CHANNEL, '+s');
    await h.settle();
    h.server.setModes('ChanServ', CHANNEL, '-s');
    await h.settle();
    expect(h.tb.sent.listings()).toEqual([]);
  });

  it('applies the modes the channel already has when the bot joins (324)', async () => {
    h = await startHarness();
    h.server.setModes('ChanServ', CHANNEL, '+ik', ['sesame']);
    const roomId = await h.portal();
    expect(h.stateOf(roomId, 'm.room.join_rules')).toEqual({ join_rule: 'invite' });
    expect(h.connector.bridge.portals.channelsOfRoom(roomId)[0]!.key).toBe('sesame');
  });
});
