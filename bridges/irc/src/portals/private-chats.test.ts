// Unit tests (in-process fakes) of private chats over time: they follow the IRC user's nick
// changes (same room, same ghost), and end when the Matrix user leaves the room.
import { asRoomId, asUserId, type RoomId, type UserId } from '@bridgekit/appservice';
import { alice, bob, CHANNEL, ghostOf, startHarness, type Harness } from '../testing/harness';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** The direct chats the bridge created, in order. */
function dms(): RoomId[] {
  return createdDms().map((r) => r.response!.room_id as RoomId);
}

function createdDms() {
  return h.tb.sent.to('createRoom').filter((r) => r.status === 200 && r.body.is_direct === true);
}

const profileOf = (userId: UserId) => h.tb.homeserver.model.profiles.get(userId);

/** Alice's puppet is connected and in #chan (where Carol and the bot are); Carol has written to her. */
async function chatWithCarol() {
  h = await startHarness();
  h.server.userJoins('Carol', CHANNEL);
  const portal = await h.portal();
  await h.matrixEvent(portal, alice, { msgtype: 'm.text', body: 'hi all' });
  h.server.userSays('Carol', 'alice[m]', 'psst');
  await h.settle();
  expect(dms()).toHaveLength(1);
  return dms()[0]!;
}

describe('private chats after a nick change', () => {
  it('go on in the same room, from the same ghost under the new name, both ways', async () => {
    const dm = await chatWithCarol();
    h.server.userChangesNick('Carol', 'Caz'); // heard by the bot and by Alice's puppet
    await h.settle();
    h.server.userSays('Caz', 'alice[m]', 'it is me, Carol');
    await h.settle();
    expect(dms()).toEqual([dm]);
    expect(h.messagesIn(dm).map((e) => [e.sender, e.content.body])).toEqual([
      [ghostOf('Carol'), 'psst'],
      [ghostOf('Carol'), 'it is me, Carol'],
    ]);
    expect(profileOf(ghostOf('Carol'))).toEqual({ displayname: 'Caz' });
    await h.matrixEvent(dm, alice, { msgtype: 'm.text', body: 'hello again' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'alice[m]', kind: 'say', target: 'Caz', text: 'hello again' });
    expect(h.connector.bridge.portals.privateChatOfRoom(dm)).toMatchObject({ nick: 'Caz', ghost: ghostOf('Carol') });
  });

  it('follow a nick change only the puppet heard (no bridged channel in common with the bot)', async () => {
    h = await startHarness();
    const portal = await h.portal();
    await h.matrixEvent(portal, alice, { msgtype: 'm.text', body: 'hi all' });
    await h.server.client('alice[m]')!.join('#side');
    h.server.userJoins('dave', '#side');
    h.server.userSays('dave', 'alice[m]', 'hey');
    await h.settle();
    const [dm] = dms();
    h.server.userChangesNick('dave', 'dave_away');
    h.server.userSays('dave_away', 'alice[m]', 'brb');
    await h.settle();
    expect(dms()).toEqual([dm]);
    expect(h.messagesIn(dm!).map((e) => [e.sender, e.content.body])).toEqual([
      [ghostOf('dave'), 'hey'],
      [ghostOf('dave'), 'brb'],
    ]);
  });

  it('leave the chats with other people alone', async () => {
    const dm = await chatWithCarol();
    h.server.userJoins('erin', CHANNEL);
    h.server.userChangesNick('erin', 'erin2');
    await h.settle();
    expect(h.connector.bridge.portals.privateChatOfRoom(dm)).toMatchObject({ nick: 'Carol' });
  });
});

describe('private chats when someone else takes the freed nick', () => {
  const copy = (nick: string) => asUserId(ghostOf(nick).replace(':', '_2:'));

  it('follow their person: the new holder of the nick opens another chat with another ghost, and no name flips', async () => {
    const dm = await chatWithCarol();
    h.server.userChangesNick('Carol', 'Caz');
    h.server.userJoins('Carol', CHANNEL); // someone else, while Caz is online
    h.server.userSays('Carol', CHANNEL, 'hello, I am new');
    h.server.userSays('Caz', 'alice[m]', 'still me');
    h.server.userSays('Carol', 'alice[m]', 'hi from the new Carol');
    h.server.userSays('Caz', CHANNEL, 'me again');
    await h.settle();
    const [, second] = dms();
    expect(dms()).toHaveLength(2);
    expect(h.messagesIn(dm).map((e) => [e.sender, e.content.body])).toEqual([[ghostOf('Carol'), 'psst'], [ghostOf('Carol'), 'still me']]);
    expect(h.messagesIn(second!).map((e) => [e.sender, e.content.body])).toEqual([[copy('Carol'), 'hi from the new Carol']]);
    expect(createdDms().find((r) => r.response!.room_id === second)!.user).toBe(copy('Carol'));
    expect(profileOf(ghostOf('Carol'))).toEqual({ displayname: 'Caz' });
    expect(profileOf(copy('Carol'))).toEqual({ displayname: 'Carol' });
    // Every display name the bridge set for Carol's ghost, in order: no flip back and forth.
    const namesSet = h.tb.sent.to('profile').filter((r) => r.method === 'PUT' && r.user === ghostOf('Carol') && r.path.endsWith('/displayname'));
    expect(namesSet.map((r) => r.body.displayname)).toEqual(['Carol', 'Caz']);
  });

  it('follow their person through a rename only a puppet heard', async () => {
    h = await startHarness();
    const portal = await h.portal();
    await h.matrixEvent(portal, alice, { msgtype: 'm.text', body: 'hi all' });
    await h.server.client('alice[m]')!.join('#side');
    h.server.userJoins('dave', '#side');
    h.server.userSays('dave', 'alice[m]', 'hey');
    await h.settle();
    h.server.userChangesNick('dave', 'dave_away');
    h.server.userJoins('dave', '#side'); // someone else
    h.server.userSays('dave', 'alice[m]', 'I am another dave');
    await h.settle();
    const [first, second] = dms();
    expect(h.messagesIn(first!).map((e) => e.sender)).toEqual([ghostOf('dave')]);
    expect(h.messagesIn(second!).map((e) => e.sender)).toEqual([copy('dave')]);
  });

  it('started from Matrix with a renamed person\'s ghost, are with that person under their nick now', async () => {
    h = await startHarness();
    h.server.userJoins('Carol', CHANNEL);
    await h.portal();
    h.server.userChangesNick('Carol', 'Caz');
    await h.settle();
    // A DM the bot is not in: the homeserver refuses it the room's state.
    const dm = asRoomId('!dm-renamed:hs.test');
    await h.matrixEvent(dm, bob, { membership: 'invite', is_direct: true }, 'm.room.member', { stateKey: ghostOf('Carol') });
    expect(h.connector.bridge.portals.privateChatOfRoom(dm)).toMatchObject({ nick: 'Caz', ghost: ghostOf('Carol') });
  });
});

describe('what is remembered about private chats', () => {
  it('follows renames and ends with the chat, and nothing stays in flight', async () => {
    const dm = await chatWithCarol();
    const portals = h.connector.bridge.portals;
    h.server.userJoins('erin', CHANNEL);
    h.server.userChangesNick('erin', 'erin2'); // the first NICK loads who has private chats
    await h.settle();
    expect(portals.privatePartnerCount).toBe(1);
    h.server.userChangesNick('Carol', 'Caz');
    h.server.userChangesNick('Caz', 'Cazz');
    await h.settle();
    expect(portals.privatePartnerCount).toBe(1); // the old nicks are forgotten
    await h.matrixEvent(dm, alice, { membership: 'leave' }, 'm.room.member', { stateKey: alice });
    expect(portals.privatePartnerCount).toBe(0);
    expect(h.store.journal.pending()).toEqual([]);
    expect(portals.creating.size).toBe(0);
  });
});

describe('a private chat the Matrix user left', () => {
  it('is forgotten (its ghost leaves too); the next IRC message opens a new room', async () => {
    const dm = await chatWithCarol();
    await h.matrixEvent(dm, alice, { membership: 'leave' }, 'm.room.member', { stateKey: alice });
    expect(h.connector.bridge.portals.isBridged(dm)).toBe(false);
    expect(h.tb.sent.memberships(dm)).toContainEqual(expect.objectContaining({ action: 'leave', userId: ghostOf('Carol') }));
    h.server.userSays('Carol', 'alice[m]', 'are you there?');
    await h.settle();
    const [, fresh] = dms();
    expect(fresh).toBeDefined();
    expect(createdDms().find((r) => r.response!.room_id === fresh)!.body).toMatchObject({ invite: [alice], is_direct: true });
    expect(h.messagesIn(fresh!).map((e) => e.content.body)).toEqual(['are you there?']);
    expect(h.messagesIn(dm).map((e) => e.content.body)).toEqual(['psst']);
  });

  it('stays when someone else leaves, and ends when the Matrix user is banned', async () => {
    const dm = await chatWithCarol();
    await h.matrixEvent(dm, alice, { membership: 'leave' }, 'm.room.member', { stateKey: '@someone:hs.test' });
    expect(h.connector.bridge.portals.privateChatOfRoom(dm)).toBeDefined();
    await h.matrixEvent(dm, asUserId('@admin:hs.test'), { membership: 'ban' }, 'm.room.member', { stateKey: alice });
    expect(h.connector.bridge.portals.privateChatOfRoom(dm)).toBeUndefined();
  });
});

describe('a private chat started from Matrix', () => {
  it("connects the Matrix user under their global display name when that is their first IRC message (the bot cannot read the DM's state)", async () => {
    h = await startHarness();
    h.server.userJoins('Carol', '#x');
    // A DM the bot is not in: the homeserver refuses it the room's state.
    const dm = asRoomId('!dm-first:hs.test');
    h.tb.homeserver.model.addUser(bob, { displayname: 'Bob Builder' });
    await h.matrixEvent(dm, bob, { membership: 'invite', is_direct: true }, 'm.room.member', { stateKey: ghostOf('Carol') });
    await h.matrixEvent(dm, bob, { msgtype: 'm.text', body: 'hi Carol' });
    expect(h.server.sent.at(-1)).toEqual({ from: 'Bob_Builder[m]', kind: 'say', target: 'Carol', text: 'hi Carol' });
  });
});
