// Unit tests (in-process fakes) of room hygiene: MSC2346 bridge info in every portal, encrypted
// rooms refused loudly, room upgrades followed.
import { asRoomId, type RoomId } from '@bridgekit/appservice';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping/ids';
import { provisioningBridgeOps } from '../provisioning/bridge-ops';
import { ADMIN, alice, ALIAS, BOT, BOT_NICK, CHANNEL, ghostOf, startHarness as startIrcHarness, type Harness, type HarnessOptions } from '../testing/harness';
import { bridgeInfoContent, bridgeStateKey } from './bridge-info';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const KEY = 'org.bridgekit.irc://net/%23chan';
const STATIC = asRoomId('!static:hs.test');
const PLUMBED = asRoomId('!plumbed:hs.test');
/** The room an upgrade replaces a portal with (made by the upgrading user, public like the portal). */
const UPGRADED = asRoomId('!upgraded:hs.test');
const startHarness = (options: HarnessOptions = {}) => startIrcHarness({ rooms: [PLUMBED, UPGRADED], ...options });
const CONTENT = {
  bridgebot: '@ircbot:hs.test',
  creator: '@ircbot:hs.test',
  protocol: { id: 'irc', displayname: 'IRC' },
  network: { id: 'net', displayname: 'Test Net', external_url: 'irc://irc.test:6667' },
  channel: { id: '#chan', displayname: '#chan', external_url: 'irc://irc.test:6667/%23chan' },
};

function bridgeWrites(roomId: RoomId) {
  return h.tb.sent.events(roomId).filter((e) => (e.type === 'm.bridge' || e.type === 'uk.half-shot.bridge'));
}

/** The room directory listings the bridge changed, in order: [room, visibility]. */
const listings = () => h.tb.sent.listings().map((l) => [l.roomId, l.visibility]);

function deletedAliases() {
  return h.tb.sent.to('directory').filter((r) => r.method === 'DELETE' && r.status === 200).map((r) => ({ userId: r.user, alias: r.params[0] }));
}

const membership = (roomId: RoomId, userId: string) => h.tb.homeserver.model.room(roomId).membership(userId as never);

describe('bridge info (MSC2346)', () => {
  it('names the network and the casefolded channel in its state key', () => {
    const network = { id: 'libera', fold: (c: string) => c.toLowerCase() } as never;
    expect(bridgeStateKey(network, '#Matrix-Dev')).toBe('org.bridgekit.irc://libera/%23matrix-dev');
    expect(bridgeInfoContent('@bot:x', { id: 'libera' as never, name: 'Libera.Chat', host: 'irc.libera.chat', port: 6697, tls: true }, '#matrix'))
      .toMatchObject({ network: { external_url: 'ircs://irc.libera.chat:6697' }, channel: { external_url: 'ircs://irc.libera.chat:6697/%23matrix' } });
  });

  it('is in the initial state of every portal the bridge creates, under both event types', async () => {
    h = await startHarness();
    await h.portal();
    const state = (h.tb.sent.to('createRoom')[0]!.body.initial_state ?? []) as Array<{ state_key?: string }>;
    expect(state.filter((s) => s.state_key === KEY)).toEqual([
      { type: 'm.bridge', state_key: KEY, content: CONTENT },
      { type: 'uk.half-shot.bridge', state_key: KEY, content: CONTENT },
    ]);
  });

  it('is added to portals that lack it at start-up, and not written again after a restart', async () => {
    h = await startHarness({ network: { static_rooms: [{ channel: CHANNEL, room_id: STATIC }] } });
    expect(bridgeWrites(STATIC).map((e) => [e.type, e.stateKey, e.content])).toEqual([
      ['m.bridge', KEY, CONTENT], ['uk.half-shot.bridge', KEY, CONTENT],
    ]);
    h.tb.sent.clear();
    await h.restart();
    expect(h.tb.sent.to('state').length + h.tb.sent.to('join').length).toBeGreaterThan(0); // the start-up ran
    expect(bridgeWrites(STATIC)).toEqual([]);
  });

  it('is written when provisioning links a room (once), and emptied when it unlinks it', async () => {
    h = await startHarness();
    const ops = provisioningBridgeOps(h.connector.bridge);
    const room = PLUMBED;
    await ops.linkChannel(room, 'net' as NetworkId, '#Plumb' as IrcChannel, { linkedBy: alice, approvedBy: 'op' as IrcNick });
    await h.settle();
    const key = 'org.bridgekit.irc://net/%23plumb';
    expect(bridgeWrites(room).map((e) => [e.type, e.stateKey, (e.content.channel as { id: string }).id])).toEqual([
      ['m.bridge', key, '#Plumb'], ['uk.half-shot.bridge', key, '#Plumb'],
    ]);
    await ops.unlinkChannel(room, 'net' as NetworkId, '#plumb' as IrcChannel);
    await h.settle();
    expect(h.stateOf(room, 'm.bridge', key)).toEqual({});
    expect(h.stateOf(room, 'uk.half-shot.bridge', key)).toEqual({});
  });

  it('is left alone where the room already has it', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    h.store.sync.kv.keys('irc.bridge-info').forEach((k) => h.store.sync.kv.delete(k));
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000); // the bot rejoins: the check runs, finds the event, writes nothing
    expect(bridgeWrites(roomId)).toEqual([]);
    expect(h.store.sync.kv.keys('irc.bridge-info')).toHaveLength(1);
  });
});

describe('encryption', () => {
  it('is refused loudly: a notice, the links removed, the bot parts, nothing bridged any more', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { algorithm: 'm.megolm.v1.aes-sha2' }, 'm.room.encryption', { stateKey: '' });
    expect(h.messagesIn(roomId).map((e) => e.content.body)).toEqual([
      `${alice}: This room now uses end-to-end encryption, which the bridge cannot read, so it has stopped bridging #chan (Test Net) here instead of relaying only half of the conversation. Encryption cannot be turned off again, so the bridge removed its alias ${ALIAS} from this room: join it again to get a new bridged room without encryption.`,
    ]);
    expect(h.connector.bridge.portals.isBridged(roomId)).toBe(false);
    expect(h.stateOf(roomId, 'm.bridge', KEY)).toEqual({});
    expect(h.server.sent).toContainEqual({ from: BOT_NICK, kind: 'part', target: '#chan', text: 'The bridged room turned on encryption' });
    h.server.userSays('carol', CHANNEL, 'anyone?');
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hello?' });
    expect(h.messagesIn(roomId)).toHaveLength(1);
    expect(h.server.sent.filter((l) => l.kind === 'say')).toEqual([]);
  });

  it('frees the portal alias, so joining it again makes a new portal for the channel (and unlists the old room)', async () => {
    h = await startHarness({ network: { publish_portals: true } });
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { algorithm: 'm.megolm.v1.aes-sha2' }, 'm.room.encryption', { stateKey: '' });
    expect(deletedAliases()).toEqual([{ userId: BOT, alias: ALIAS }]);
    expect(listings().filter(([room]) => room === roomId).map(([, visibility]) => visibility)).toEqual(['public', 'private']);
    expect(await h.connector.onAliasQuery(ALIAS)).toBe(true);
    await h.settle();
    const fresh = h.tb.homeserver.model.aliases.get(ALIAS)!.roomId;
    expect(fresh).not.toBe(roomId);
    expect(h.connector.bridge.portals.channelsOfRoom(fresh).map((p) => p.channel)).toEqual(['#chan']);
    h.server.userSays('carol', CHANNEL, 'hello again');
    await h.settle();
    expect(h.messagesIn(fresh).map((e) => e.content.body)).toContain('hello again');
  });

  it('leaves aliases alone in plumbed rooms, and where an admin already moved the alias to another room', async () => {
    h = await startHarness({ network: { static_rooms: [{ channel: '#plumbed', room_id: STATIC }] } });
    await h.matrixEvent(STATIC, alice, { algorithm: 'm.megolm.v1.aes-sha2' }, 'm.room.encryption', { stateKey: '' });
    expect(h.messagesIn(STATIC).at(-1)!.content.body).toContain('Encryption cannot be turned off again: to bridge the channel, use a room without encryption');
    const roomId = await h.portal();
    h.tb.homeserver.model.aliases.set(ALIAS, { roomId: asRoomId('!elsewhere:hs.test'), creator: ADMIN });
    await h.matrixEvent(roomId, alice, { algorithm: 'm.megolm.v1.aes-sha2' }, 'm.room.encryption', { stateKey: '' });
    expect(deletedAliases()).toEqual([]);
    expect(h.connector.bridge.portals.isBridged(roomId)).toBe(false);
  });

  it('is refused in private chats too, by the ghost (the bot is not there), also when only encrypted messages show it', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(roomId, alice, { msgtype: 'm.text', body: 'hi' });
    h.server.userSays('Carol', 'alice[m]', 'psst');
    await h.settle();
    const dm = h.tb.sent.to('createRoom').find((r) => r.body.is_direct)!.response!.room_id as RoomId;
    await h.matrixEvent(dm, alice, { algorithm: 'm.megolm.v1.aes-sha2', ciphertext: 'xyz' }, 'm.room.encrypted');
    const notice = h.messagesIn(dm).at(-1)!;
    expect(notice.sender).toBe('@_irc_net__carol:hs.test');
    expect(notice.content.body).toContain('stopped bridging this conversation with Carol here');
    expect(h.connector.bridge.portals.isBridged(dm)).toBe(false);
    expect(h.connector.bridge.portals.isBridged(roomId)).toBe(true);
  });
});

describe('room upgrades', () => {
  it('moves the links to the replacement room, which the bot joins; the old room is left', async () => {
    h = await startHarness();
    const oldRoom = await h.portal();
    const newRoom = UPGRADED;
    await h.matrixEvent(oldRoom, alice, { body: 'This room has been replaced', replacement_room: newRoom }, 'm.room.tombstone', { stateKey: '' });
    expect(h.tb.sent.memberships(newRoom)).toContainEqual(expect.objectContaining({ action: 'join', userId: BOT }));
    // The stored metadata itself (an untyped object): reading it through the portals API would
    // default a missing origin to 'alias' and hide a lost one.
    expect(h.store.sync.portals.byRemote({ network: 'net', remoteId: '#chan', kind: 'channel' }).map((l) => [l.roomId, l.metadata]))
      .toEqual([[newRoom, expect.objectContaining({ origin: 'alias' })]]);
    expect(h.tb.sent.memberships(oldRoom)).toContainEqual(expect.objectContaining({ action: 'leave', userId: BOT }));
    expect(h.stateOf(oldRoom, 'm.bridge', KEY)).toEqual({});
    expect(bridgeWrites(newRoom).map((e) => e.type)).toEqual(['m.bridge', 'uk.half-shot.bridge']);
    expect(h.messagesIn(newRoom).map((e) => e.content.body)).toEqual(['Bridging of #chan continues in this room.']);
    h.server.userSays('carol', CHANNEL, 'still here?');
    await h.settle();
    expect(h.messagesIn(newRoom).map((e) => e.content.body)).toContain('still here?');
    expect(h.messagesIn(oldRoom)).toEqual([]);
  });

  it('lets the ghosts of the old room follow lazily: a ghost\'s next message joins it to the new room and lands there', async () => {
    h = await startHarness();
    h.server.userJoins('carol', CHANNEL);
    const oldRoom = await h.portal();
    h.server.userSays('carol', CHANNEL, 'before');
    await h.settle();
    const carol = ghostOf('carol');
    expect(membership(oldRoom, carol)).toBe('join');
    const newRoom = UPGRADED;
    await h.matrixEvent(oldRoom, alice, { body: 'This room has been replaced', replacement_room: newRoom }, 'm.room.tombstone', { stateKey: '' });
    expect(membership(newRoom, carol)).not.toBe('join'); // nobody moves ghosts at once
    h.server.userSays('carol', CHANNEL, 'after');
    await h.settle();
    expect(membership(newRoom, carol)).toBe('join');
    expect(h.messagesIn(newRoom).filter((e) => e.sender === carol).map((e) => e.content.body)).toEqual(['after']);
    expect(h.messagesIn(oldRoom).map((e) => e.content.body)).toEqual(['before']);
  });

  it('keeps the directory listing the homeserver moves to the new room (no request after a reconnect)', async () => {
    h = await startHarness({ network: { publish_portals: true } });
    const oldRoom = await h.portal();
    const newRoom = UPGRADED;
    await h.matrixEvent(oldRoom, alice, { replacement_room: newRoom }, 'm.room.tombstone', { stateKey: '' });
    h.server.client(BOT_NICK)!.drop();
    await h.advance(1000); // 324 again: the new room is already listed
    expect(listings()).toEqual([[oldRoom, 'public']]);
    h.server.setModes('ChanServ', CHANNEL, '+s');
    await h.settle();
    expect(h.tb.sent.listings().at(-1)).toEqual({ by: BOT, roomId: newRoom, visibility: 'private' });
  });

  it('ignores tombstones of rooms that are not bridged or that name no room', async () => {
    h = await startHarness();
    const roomId = await h.portal();
    await h.matrixEvent(asRoomId('!other:hs.test'), alice, { replacement_room: '!new:hs.test' }, 'm.room.tombstone', { stateKey: '' });
    await h.matrixEvent(roomId, alice, { replacement_room: 'not a room' }, 'm.room.tombstone', { stateKey: '' });
    expect(h.store.sync.portals.byRemote({ network: 'net', remoteId: '#chan', kind: 'channel' }).map((l) => l.roomId)).toEqual([roomId]);
  });
});
