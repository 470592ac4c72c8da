import nock from 'nock';
import { Gauge, Registry } from 'prom-client';
import { CsApiClient } from '../csapi/client';
import type { MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import type { Logger } from '../log/types';
import { createIntentFactory, type IntentFactoryDeps } from './factory';
import type { IntentCacheLimits } from './state';

const HS = 'http://hs.test';
const BOT = '@_irc_bot:hs.test' as UserId;
const GHOST = '@_irc_alice:hs.test' as UserId;
const ROOM = '!room:hs.test' as RoomId;
const enc = encodeURIComponent;
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {}, child: () => silent };

function setup(cacheLimits: Partial<IntentCacheLimits> = {}, extra: Partial<IntentFactoryDeps> = {}) {
  const requests: string[] = [];
  const client = new CsApiClient({
    baseUrl: HS, asToken: 'as', timeoutMs: 1000, maxRetries: 0, log: silent,
    fetch: (input, init) => {
      const url = new URL(String(input));
      requests.push(`${init?.method ?? 'GET'} ${decodeURIComponent(url.pathname)}`);
      return fetch(input, init);
    },
  });
  const factory = createIntentFactory({
    client, domain: 'hs.test', botUserId: BOT, isBridgeUser: (u) => u.startsWith('@_irc_'), log: silent, cacheLimits, ...extra,
  });
  return { factory, requests };
}

const member = (userId: UserId, membership: string, roomId = ROOM, extra: Record<string, unknown> = {}): MatrixEvent => ({
  eventId: '$m' as EventId, roomId, sender: userId, type: 'm.room.member', stateKey: userId,
  content: { membership, ...extra }, originServerTs: 0,
});

/** Interceptors for the first send of a ghost: register, join, send. */
function firstSend(roomId = ROOM) {
  return nock(HS)
    .post('/_matrix/client/v3/register').reply(200, { user_id: GHOST })
    .post(`/_matrix/client/v3/join/${enc(roomId)}`).query({ user_id: GHOST }).reply(200, { room_id: roomId })
    .put(new RegExp(`/rooms/${enc(roomId)}/send/m.room.message/`)).query(true).reply(200, { event_id: '$1' });
}

const sendPath = `PUT /_matrix/client/v3/rooms/${ROOM}/send/m.room.message`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('Intent steady state', () => {
  it('costs exactly one request per send once registered and joined', async () => {
    const { factory, requests } = setup();
    firstSend();
    const alice = factory.intent(GHOST);
    await alice.sendMessage(ROOM, { msgtype: 'm.text', body: 'one' });
    expect(requests.slice(0, 2)).toEqual(['POST /_matrix/client/v3/register', `POST /_matrix/client/v3/join/${ROOM}`]);
    expect(requests).toHaveLength(3);
    expect(requests[2]).toMatch(new RegExp(`^${sendPath}/`));

    requests.length = 0;
    nock(HS).put(new RegExp(`/send/m.room.message/`)).query({ user_id: GHOST }).times(3).reply(200, { event_id: '$2' });
    for (const body of ['two', 'three', 'four']) await factory.intent(GHOST).sendMessage(ROOM, { msgtype: 'm.text', body });
    expect(requests).toHaveLength(3);
    expect(requests.every((r) => r.startsWith(sendPath))).toBe(true);
  });

  it('shares one register and one join between concurrent sends', async () => {
    const { factory, requests } = setup();
    firstSend();
    nock(HS).put(/\/send\/m.room.message\//).query(true).times(4).reply(200, { event_id: '$x' });
    const alice = factory.intent(GHOST);
    await Promise.all(Array.from({ length: 5 }, (_, i) => alice.sendMessage(ROOM, { body: String(i) })));
    expect(requests.filter((r) => r.includes('/register'))).toHaveLength(1);
    expect(requests.filter((r) => r.includes('/join/'))).toHaveLength(1);
    expect(requests.filter((r) => r.includes('/send/'))).toHaveLength(5);
  });

  it('never registers the bot', async () => {
    const { factory, requests } = setup();
    nock(HS).post(`/_matrix/client/v3/join/${enc(ROOM)}`).query({ user_id: BOT }).reply(200, { room_id: ROOM })
      .put(/\/send\//).query(true).reply(200, { event_id: '$b' });
    await factory.bot.sendMessage(ROOM, { body: 'hello' });
    expect(requests.map((r) => r.split(' ')[1]!.split('/')[4])).toEqual(['join', 'rooms']);
    expect(factory.intent(BOT)).toBe(factory.bot);
  });

  it('treats an existing user (M_USER_IN_USE) as registered', async () => {
    const { factory, requests } = setup();
    nock(HS).post('/_matrix/client/v3/register').reply(400, { errcode: 'M_USER_IN_USE' });
    await factory.intent(GHOST).ensureRegistered();
    await factory.intent(GHOST).ensureRegistered();
    expect(requests).toEqual(['POST /_matrix/client/v3/register']);
  });
});

describe('Intent repairs', () => {
  it('lets the bot invite a ghost that may not join on its own', async () => {
    const { factory, requests } = setup();
    nock(HS)
      .post('/_matrix/client/v3/register').reply(200, {})
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query({ user_id: GHOST }).reply(403, { errcode: 'M_FORBIDDEN', error: 'You are not invited to this room.' })
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query({ user_id: BOT }).reply(200, { room_id: ROOM })
      .post(`/_matrix/client/v3/rooms/${enc(ROOM)}/invite`, { user_id: GHOST }).query({ user_id: BOT }).reply(200, {})
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query({ user_id: GHOST }).reply(200, { room_id: ROOM });
    await factory.intent(GHOST).ensureJoined(ROOM);
    expect(requests.map((r) => r.split('/').slice(4, 5).join())).toEqual(['register', 'join', 'join', 'rooms', 'join']);
    expect(nock.isDone()).toBe(true);
  });

  it('joins again and retries once when the homeserver says the user is not in the room', async () => {
    const { factory, requests } = setup();
    firstSend();
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'a' });
    requests.length = 0;
    nock(HS)
      .put(/\/send\//).query(true).reply(403, { errcode: 'M_FORBIDDEN', error: `User ${GHOST} not in room ${ROOM}` })
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query(true).reply(200, { room_id: ROOM })
      .put(/\/send\//).query(true).reply(200, { event_id: '$again' });
    await expect(factory.intent(GHOST).sendMessage(ROOM, { body: 'b' })).resolves.toBe('$again');
    expect(requests.map((r) => r.split('/')[4])).toEqual(['rooms', 'join', 'rooms']);
    // Both tries used the same transaction ID, so the homeserver would deduplicate a replay.
    expect(new Set(requests.filter((r) => r.includes('/send/')))).toHaveProperty('size', 1);
  });

  it('does not retry a forbidden send for another reason', async () => {
    const { factory, requests } = setup();
    firstSend();
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'a' });
    requests.length = 0;
    nock(HS).put(/\/send\//).query(true).reply(403, { errcode: 'M_FORBIDDEN', error: 'You do not have permission to send' });
    await expect(factory.intent(GHOST).sendMessage(ROOM, { body: 'b' })).rejects.toMatchObject({ errcode: 'M_FORBIDDEN' });
    expect(requests).toHaveLength(1);
  });

  it('registers again when the homeserver lost the user', async () => {
    const { factory, requests } = setup();
    firstSend();
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'a' });
    requests.length = 0;
    nock(HS)
      .put(/\/send\//).query(true).reply(403, { errcode: 'M_FORBIDDEN', error: `Application service has not registered this user (${GHOST})` })
      .post('/_matrix/client/v3/register').reply(200, {})
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query(true).reply(200, { room_id: ROOM })
      .put(/\/send\//).query(true).reply(200, { event_id: '$back' });
    await expect(factory.intent(GHOST).sendMessage(ROOM, { body: 'b' })).resolves.toBe('$back');
    expect(requests.map((r) => r.split('/')[4])).toEqual(['rooms', 'register', 'join', 'rooms']);
  });

  it('follows membership events: a kick means the next send joins first', async () => {
    const { factory, requests } = setup();
    firstSend();
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'a' });
    factory.onMemberEvent(member(GHOST, 'leave'));
    requests.length = 0;
    nock(HS).post(`/_matrix/client/v3/join/${enc(ROOM)}`).query(true).reply(200, { room_id: ROOM })
      .put(/\/send\//).query(true).reply(200, { event_id: '$2' });
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'b' });
    expect(requests.map((r) => r.split('/')[4])).toEqual(['join', 'rooms']);
  });

  it('learns joins from membership events, and ignores users outside the namespace', async () => {
    const { factory, requests } = setup();
    nock(HS).post('/_matrix/client/v3/register').reply(200, {}).put(/\/send\//).query(true).reply(200, { event_id: '$1' });
    factory.onMemberEvent(member(GHOST, 'join'));
    factory.onMemberEvent(member('@human:hs.test' as UserId, 'join'));
    await factory.intent(GHOST).sendMessage(ROOM, { body: 'a' });
    expect(requests.map((r) => r.split('/')[4])).toEqual(['register', 'rooms']);
    expect(factory.cacheSizes().memberships).toBe(1);
  });
});

describe('Intent profile', () => {
  it('sends only the fields that changed, and nothing when nothing changed', async () => {
    const { factory, requests } = setup();
    nock(HS)
      .post('/_matrix/client/v3/register').reply(400, { errcode: 'M_USER_IN_USE' })
      .get(`/_matrix/client/v3/profile/${enc(GHOST)}`).query(true).reply(200, { displayname: 'old', avatar_url: 'mxc://hs.test/a' })
      .put(`/_matrix/client/v3/profile/${enc(GHOST)}/displayname`, { displayname: 'alice' }).query(true).reply(200, {})
      .put(`/_matrix/client/v3/profile/${enc(GHOST)}/avatar_url`, { avatar_url: 'mxc://hs.test/b' }).query(true).reply(200, {});
    const alice = factory.intent(GHOST);
    await alice.ensureProfile({ displayName: 'alice', avatarUrl: 'mxc://hs.test/a' });
    expect(requests).toEqual([
      'POST /_matrix/client/v3/register', `GET /_matrix/client/v3/profile/${GHOST}`, `PUT /_matrix/client/v3/profile/${GHOST}/displayname`,
    ]);
    requests.length = 0;
    await alice.ensureProfile({ displayName: 'alice', avatarUrl: 'mxc://hs.test/a' });
    await alice.ensureProfile({ displayName: 'alice' });
    expect(requests).toEqual([]);
    await alice.ensureProfile({ displayName: 'alice', avatarUrl: 'mxc://hs.test/b' });
    expect(requests).toEqual([`PUT /_matrix/client/v3/profile/${GHOST}/avatar_url`]);
  });

  it('shares one profile update between concurrent identical calls', async () => {
    const { factory, requests } = setup();
    nock(HS)
      .post('/_matrix/client/v3/register').reply(200, {})
      .get(`/_matrix/client/v3/profile/${enc(GHOST)}`).query(true).reply(200, {})
      .put(`/_matrix/client/v3/profile/${enc(GHOST)}/displayname`).query(true).reply(200, {});
    const alice = factory.intent(GHOST);
    await Promise.all([1, 2, 3].map(() => alice.ensureProfile({ displayName: 'alice' })));
    expect(requests.filter((r) => r.endsWith('/displayname'))).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('GET'))).toHaveLength(1);
  });

  it('forgets a profile that a member event shows was changed elsewhere', async () => {
    const { factory, requests } = setup();
    nock(HS)
      .post('/_matrix/client/v3/register').reply(200, {})
      .get(`/_matrix/client/v3/profile/${enc(GHOST)}`).query(true).reply(200, { displayname: 'alice' })
      .get(`/_matrix/client/v3/profile/${enc(GHOST)}`).query(true).reply(200, { displayname: 'mallory' })
      .put(`/_matrix/client/v3/profile/${enc(GHOST)}/displayname`, { displayname: 'alice' }).query(true).reply(200, {});
    await factory.intent(GHOST).ensureProfile({ displayName: 'alice' });
    factory.onMemberEvent(member(GHOST, 'join', ROOM, { displayname: 'mallory' }));
    requests.length = 0;
    await factory.intent(GHOST).ensureProfile({ displayName: 'alice' });
    expect(requests.map((r) => r.split(' ')[0])).toEqual(['GET', 'PUT']);
  });
});

describe('IntentFactory', () => {
  it('caches intents and refuses users outside the namespace or on another server', () => {
    const { factory } = setup();
    expect(factory.intent(GHOST)).toBe(factory.intent(GHOST));
    expect(() => factory.intent('@human:hs.test' as UserId)).toThrow(/namespace/);
    expect(() => factory.intent('@_irc_x:other.test' as UserId)).toThrow(/hs.test/);
  });

  it('bounds its caches and reports their sizes', async () => {
    const registry = new Registry();
    const cacheEntries = new Gauge({ name: 'intent_cache', help: 'h', labelNames: ['cache'] as const, registers: [registry] });
    const { factory, requests } = setup({ memberships: 2, intents: 2 }, { metrics: { cacheEntries } });
    const rooms = ['!a:hs.test', '!b:hs.test', '!c:hs.test'] as RoomId[];
    nock(HS).post(/\/join\//).query(true).times(4).reply(200, (uri) => ({ room_id: decodeURIComponent(uri.split('/')[5]!.split('?')[0]!) }));
    for (const room of rooms) await factory.bot.ensureJoined(room);
    await factory.bot.ensureJoined(rooms[0]!); // evicted: joins again
    expect(requests.filter((r) => r.includes('/join/'))).toHaveLength(4);
    expect(factory.cacheSizes().memberships).toBe(2);
    for (const u of ['@_irc_a:hs.test', '@_irc_b:hs.test', '@_irc_c:hs.test'] as UserId[]) factory.intent(u);
    expect(factory.cacheSizes().intents).toBe(2);
    const values = (await registry.getSingleMetric('intent_cache')!.get()).values;
    expect(values.find((v) => v.labels.cache === 'memberships')?.value).toBe(2);
  });
});

describe('Intent directory and aliases', () => {
  it('unpublishes a room and deletes an alias as the ghost', async () => {
    const { factory, requests } = setup();
    const scope = nock(HS)
      .post('/_matrix/client/v3/register').reply(200, { user_id: GHOST })
      .put(`/_matrix/client/v3/directory/list/room/${enc(ROOM)}`, { visibility: 'private' }).query({ user_id: GHOST }).reply(200, {})
      .delete(`/_matrix/client/v3/directory/room/${enc('#irc_x:hs.test')}`).query({ user_id: GHOST }).reply(200, {});
    const alice = factory.intent(GHOST);
    await alice.setDirectoryVisibility(ROOM, 'private');
    await alice.deleteAlias('#irc_x:hs.test' as never);
    expect(scope.isDone()).toBe(true);
    expect(requests).toHaveLength(3);
  });
});

describe('Intent send options', () => {
  it('sends with the caller\'s transaction ID, so a later retry of the same message is deduplicated', async () => {
    const { factory, requests } = setup();
    nock(HS)
      .post('/_matrix/client/v3/register').reply(200, { user_id: GHOST })
      .post(`/_matrix/client/v3/join/${enc(ROOM)}`).query({ user_id: GHOST }).reply(200, { room_id: ROOM })
      .put(`/_matrix/client/v3/rooms/${enc(ROOM)}/send/m.room.message/irc-line-42`).query({ user_id: GHOST }).times(2).reply(200, { event_id: '$1' });
    const alice = factory.intent(GHOST);
    await alice.sendMessage(ROOM, { msgtype: 'm.text', body: 'once' }, { txnId: 'irc-line-42' });
    await alice.sendMessage(ROOM, { msgtype: 'm.text', body: 'once' }, { txnId: 'irc-line-42' });
    expect(requests.filter((r) => r.endsWith('/irc-line-42'))).toHaveLength(2);
  });
});

describe('a resend that checks first (checkSentBefore)', () => {
  it('returns the event an earlier attempt put in the room, without sending again', async () => {
    const { factory, requests } = setup();
    firstSend(); // registers, joins and sends the first time
    const alice = factory.intent(GHOST);
    await alice.sendMessage(ROOM, { body: 'warm-up' });
    const scope = nock(HS)
      .get(`/_matrix/client/v3/rooms/${enc(ROOM)}/messages`).query((q) => q.user_id === GHOST && q.dir === 'b' && JSON.parse(String(q.filter)).senders[0] === GHOST)
      .reply(200, { chunk: [{ event_id: '$other', sender: GHOST, unsigned: { transaction_id: 'other' } }, { event_id: '$landed', sender: GHOST, unsigned: { transaction_id: 'txn-7' } }] });
    await expect(alice.sendMessage(ROOM, { body: 'held line' }, { txnId: 'txn-7', checkSentBefore: true })).resolves.toBe('$landed');
    scope.done();
    expect(requests.filter((r) => r.startsWith('PUT'))).toHaveLength(1);
  });

  it('sends with the same txnId when no earlier attempt landed', async () => {
    const { factory } = setup();
    firstSend();
    const alice = factory.intent(GHOST);
    await alice.sendMessage(ROOM, { body: 'warm-up' });
    const scope = nock(HS)
      .get(`/_matrix/client/v3/rooms/${enc(ROOM)}/messages`).query(true).reply(200, { chunk: [] })
      .put(`/_matrix/client/v3/rooms/${enc(ROOM)}/send/m.room.message/txn-8`).query(true).reply(200, { event_id: '$new' });
    await expect(alice.sendMessage(ROOM, { body: 'held line' }, { txnId: 'txn-8', checkSentBefore: true })).resolves.toBe('$new');
    scope.done();
  });
});
