import nock from 'nock';
import { Registry } from 'prom-client';
import type { RoomAlias, RoomId, UserId } from '../ids';
import type { Logger } from '../log/types';
import { CsApiClient, type CsApiClientOptions } from './client';
import { MatrixError, NetworkError } from './errors';
import { createCsApiMetrics } from './metrics';

const HS = 'http://hs.test';
const TOKEN = 'as-secret-token-123';
const ROOM = '!room:hs.test' as RoomId;
const GHOST = '@_irc_alice:hs.test' as UserId;

function memoryLogger(lines: string[] = []): Logger {
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  };
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), child: () => logger };
  return logger;
}

function setup(overrides: Partial<CsApiClientOptions> = {}) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  const registry = new Registry();
  const metrics = createCsApiMetrics(registry);
  const client = new CsApiClient({
    baseUrl: `${HS}/`, asToken: TOKEN, timeoutMs: 1000, maxRetries: 3, log: memoryLogger(lines), metrics,
    sleep: async (ms) => { sleeps.push(ms); }, random: () => 0.5,
    ...overrides,
  });
  return { client, sleeps, lines, registry, metrics };
}

async function counter(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('CsApiClient requests', () => {
  it('sends the as_token as a Bearer header and masquerades with ?user_id=', async () => {
    const { client } = setup();
    const scope = nock(HS, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .put(/\/_matrix\/client\/v3\/rooms\/!room%3Ahs.test\/send\/m.room.message\/[^/?]+/)
      .query({ user_id: GHOST })
      .reply(200, { event_id: '$ev1' });
    await expect(client.sendMessage(ROOM, { msgtype: 'm.text', body: 'hi' }, { asUser: GHOST })).resolves.toBe('$ev1');
    expect(scope.isDone()).toBe(true);
  });

  it('sends an original timestamp as the appservice ts parameter, and drops one that is not a time', async () => {
    const { client } = setup();
    const scope = nock(HS)
      .put(/\/send\/m.room.message\/[^/?]+/).query({ user_id: GHOST, ts: '1700000000123' }).reply(200, { event_id: '$ts' })
      .put(/\/send\/m.room.message\/[^/?]+/).query({ user_id: GHOST }).reply(200, { event_id: '$now' });
    await expect(client.sendMessage(ROOM, { msgtype: 'm.text', body: 'then' }, { asUser: GHOST, ts: 1_700_000_000_123 })).resolves.toBe('$ts');
    await expect(client.sendMessage(ROOM, { msgtype: 'm.text', body: 'now' }, { asUser: GHOST, ts: Number.NaN })).resolves.toBe('$now');
    expect(scope.isDone()).toBe(true);
  });

  it('omits user_id when acting as the bot', async () => {
    const { client } = setup();
    const scope = nock(HS).get('/_matrix/client/v3/account/whoami').query((q) => Object.keys(q).length === 0)
      .reply(200, { user_id: '@bot:hs.test' });
    await expect(client.whoami()).resolves.toEqual({ userId: '@bot:hs.test', deviceId: undefined });
    expect(scope.isDone()).toBe(true);
  });

  it('generates distinct transaction IDs', () => {
    const { client } = setup();
    const ids = new Set(Array.from({ length: 1000 }, () => client.newTxnId()));
    expect(ids.size).toBe(1000);
    expect(setup().client.newTxnId()).not.toBe(client.newTxnId());
  });

  it('never logs the token', async () => {
    const { client, lines } = setup();
    nock(HS).get('/_matrix/client/versions').reply(502, 'bad gateway').get('/_matrix/client/versions').reply(200, { versions: ['v1.11'] });
    await client.versions();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('CsApiClient retries', () => {
  it('waits retry_after_ms on 429 M_LIMIT_EXCEEDED, then succeeds', async () => {
    const { client, sleeps } = setup();
    nock(HS).get('/_matrix/client/versions')
      .reply(429, { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 1500 })
      .get('/_matrix/client/versions').reply(200, { versions: ['v1.11'] });
    await expect(client.versions()).resolves.toEqual({ versions: ['v1.11'], unstableFeatures: {} });
    expect(sleeps).toEqual([1500]);
  });

  it('prefers a Retry-After header in seconds', async () => {
    const { client, sleeps } = setup();
    nock(HS).get('/_matrix/client/versions')
      .reply(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1500 }, { 'Retry-After': '3' })
      .get('/_matrix/client/versions').reply(200, { versions: [] });
    await client.versions();
    expect(sleeps).toEqual([3000]);
  });

  it('understands a Retry-After HTTP-date', async () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const { client, sleeps } = setup({ now: () => now });
    nock(HS).get('/_matrix/client/versions')
      .reply(503, 'busy', { 'Retry-After': 'Wed, 21 Oct 2015 07:28:04 GMT' })
      .get('/_matrix/client/versions').reply(200, { versions: [] });
    await client.versions();
    expect(sleeps).toEqual([4000]);
  });

  it('retries 5xx with jittered exponential backoff, then succeeds, and counts the retries', async () => {
    const { client, sleeps, registry } = setup({ retryBaseMs: 100 });
    nock(HS).get('/_matrix/client/v3/rooms/!room%3Ahs.test/joined_members').times(2).reply(500, { errcode: 'M_UNKNOWN' })
      .get('/_matrix/client/v3/rooms/!room%3Ahs.test/joined_members')
      .reply(200, { joined: { [GHOST]: { display_name: 'alice', avatar_url: null } } });
    const members = await client.joinedMembers(ROOM);
    expect([...members]).toEqual([[GHOST, { displayName: 'alice', avatarUrl: undefined }]]);
    expect(sleeps).toEqual([50, 100]);
    const endpoint = '/_matrix/client/v3/rooms/{roomId}/joined_members';
    expect(await counter(registry, 'bridgekit_csapi_retries_total')).toEqual([{ labels: { method: 'GET', endpoint, reason: '5xx' }, value: 2 }]);
    expect(await counter(registry, 'bridgekit_csapi_requests_total')).toEqual([
      { labels: { method: 'GET', endpoint, status: '500' }, value: 2 },
      { labels: { method: 'GET', endpoint, status: '200' }, value: 1 },
    ]);
  });

  it('gives up after maxRetries and throws the last MatrixError', async () => {
    const { client, sleeps } = setup({ maxRetries: 2 });
    nock(HS).get('/_matrix/client/versions').times(3).reply(502, { errcode: 'M_UNKNOWN', error: 'upstream' });
    const err = await client.versions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_UNKNOWN', status: 502, serverMessage: 'upstream', code: 'CSAPI_UNAVAILABLE', retriable: true });
    expect(sleeps).toHaveLength(2);
  });

  it('never retries another 4xx', async () => {
    const { client, sleeps } = setup();
    const scope = nock(HS).post('/_matrix/client/v3/rooms/!room%3Ahs.test/invite')
      .reply(403, { errcode: 'M_FORBIDDEN', error: 'You are not in this room.' });
    const err = await client.invite(ROOM, GHOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403, endpoint: 'POST /_matrix/client/v3/rooms/{roomId}/invite' });
    expect(err).toMatchObject({ code: 'CSAPI_REJECTED', retriable: false, notifySender: true });
    expect((err as Error).message).toContain('not joined, not invited');
    expect(sleeps).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterMs', async () => {
    const { client, sleeps } = setup({ maxRetryAfterMs: 10_000 });
    nock(HS).get('/_matrix/client/versions').reply(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 120_000 });
    await expect(client.versions()).rejects.toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retryAfterMs: 120_000, code: 'CSAPI_RATE_LIMITED', retriable: true });
    expect(sleeps).toEqual([]);
  });

  it('times out a slow request, retries, and reports a NetworkError', async () => {
    const { client, sleeps, registry } = setup({ timeoutMs: 20, maxRetries: 1 });
    nock(HS).get('/_matrix/client/versions').times(2).delay(500).reply(200, { versions: [] });
    const err = await client.versions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ failure: 'timeout', endpoint: 'GET /_matrix/client/versions', code: 'CSAPI_UNAVAILABLE', retriable: true });
    expect(sleeps).toHaveLength(1);
    expect(await counter(registry, 'bridgekit_csapi_requests_total')).toEqual([
      { labels: { method: 'GET', endpoint: '/_matrix/client/versions', status: 'timeout' }, value: 2 },
    ]);
  });

  it('retries a connection failure', async () => {
    const { client, sleeps } = setup();
    nock(HS).get('/_matrix/client/versions').replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })
      .get('/_matrix/client/versions').reply(200, { versions: ['v1.1'] });
    await expect(client.versions()).resolves.toMatchObject({ versions: ['v1.1'] });
    expect(sleeps).toHaveLength(1);
  });

  it('retries createRoom on 429 but not on 5xx, which may have created the room', async () => {
    const { client, sleeps } = setup();
    nock(HS).post('/_matrix/client/v3/createRoom').reply(429, { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 10 })
      .post('/_matrix/client/v3/createRoom').reply(500, { errcode: 'M_UNKNOWN' });
    await expect(client.createRoom({ name: 'x' })).rejects.toMatchObject({ status: 500 });
    expect(sleeps).toEqual([10]);
  });
});

describe('CsApiClient endpoints', () => {
  it('treats M_USER_IN_USE on register as success', async () => {
    const { client } = setup();
    nock(HS).post('/_matrix/client/v3/register', { type: 'm.login.application_service', username: '_irc_alice', inhibit_login: true })
      .reply(400, { errcode: 'M_USER_IN_USE', error: 'User ID already taken.' })
      .post('/_matrix/client/v3/register').reply(200, { user_id: '@_irc_bob:hs.test' });
    await expect(client.register('_irc_alice')).resolves.toEqual({ created: false });
    await expect(client.register('_irc_bob')).resolves.toEqual({ created: true });
  });

  it('other register errors are thrown', async () => {
    const { client } = setup();
    nock(HS).post('/_matrix/client/v3/register').reply(400, { errcode: 'M_EXCLUSIVE', error: 'not in namespace' });
    await expect(client.register('alice')).rejects.toMatchObject({ errcode: 'M_EXCLUSIVE' });
  });

  it('creates a room with snake_case wire fields', async () => {
    const { client } = setup();
    const scope = nock(HS).post('/_matrix/client/v3/createRoom', {
      room_alias_name: '_irc_#chan', name: 'Chan', visibility: 'private', preset: 'public_chat', invite: [GHOST], is_direct: false,
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'public' } }],
      power_level_content_override: { users_default: 0 }, room_version: '11',
    }).query({ user_id: GHOST }).reply(200, { room_id: '!new:hs.test' });
    const roomId = await client.createRoom({
      aliasLocalpart: '_irc_#chan', name: 'Chan', visibility: 'private', preset: 'public_chat', invite: [GHOST], isDirect: false,
      initialState: [{ type: 'm.room.join_rules', content: { join_rule: 'public' } }],
      powerLevelContentOverride: { users_default: 0 }, roomVersion: '11',
    }, { asUser: GHOST });
    expect(roomId).toBe('!new:hs.test');
    expect(scope.isDone()).toBe(true);
  });

  it('joins by alias with server names', async () => {
    const { client } = setup();
    nock(HS).post('/_matrix/client/v3/join/%23chan%3Ahs.test')
      .query({ server_name: ['a.test', 'b.test'], via: ['a.test', 'b.test'], user_id: GHOST })
      .reply(200, { room_id: ROOM });
    await expect(client.join('#chan:hs.test' as RoomAlias, { asUser: GHOST, serverNames: ['a.test', 'b.test'] })).resolves.toBe(ROOM);
  });

  it('reads a whole state event (format=event) to learn its sender, and copes with homeservers that answer with the content only', async () => {
    const { client } = setup();
    const create = { room_version: '12', additional_creators: ['@b:hs.test'] };
    nock(HS)
      .get('/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.create/').query({ format: 'event', user_id: GHOST })
      .reply(200, { type: 'm.room.create', state_key: '', sender: '@a:hs.test', event_id: '$create', content: create, room_id: ROOM })
      .get('/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.create/').query({ format: 'event' })
      .reply(200, create)
      .get('/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.tombstone/').query({ format: 'event' })
      .reply(404, { errcode: 'M_NOT_FOUND' });
    await expect(client.getStateEvent(ROOM, 'm.room.create', '', { asUser: GHOST })).resolves.toEqual({ content: create, sender: '@a:hs.test', eventId: '$create' });
    await expect(client.getStateEvent(ROOM, 'm.room.create')).resolves.toEqual({ content: create });
    await expect(client.getStateEvent(ROOM, 'm.room.tombstone')).resolves.toBeUndefined();
  });

  it('returns undefined for missing state, unknown aliases and unknown profiles', async () => {
    const { client } = setup();
    nock(HS)
      .get('/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.topic/').reply(404, { errcode: 'M_NOT_FOUND' })
      .get('/_matrix/client/v3/directory/room/%23nope%3Ahs.test').reply(404, { errcode: 'M_NOT_FOUND' })
      .get(`/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}`).reply(404, { errcode: 'M_NOT_FOUND' });
    await expect(client.getState(ROOM, 'm.room.topic')).resolves.toBeUndefined();
    await expect(client.resolveAlias('#nope:hs.test' as RoomAlias)).resolves.toBeUndefined();
    await expect(client.getProfile(GHOST)).resolves.toBeUndefined();
  });

  it('sets state, profile and directory entries', async () => {
    const { client } = setup();
    const scope = nock(HS)
      .put('/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.name/', { name: 'N' }).reply(200, { event_id: '$s' })
      .put(`/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}/displayname`, { displayname: 'Alice' }).query({ user_id: GHOST }).reply(200, {})
      .put(`/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}/avatar_url`, { avatar_url: 'mxc://hs.test/a' }).query({ user_id: GHOST }).reply(200, {})
      .put('/_matrix/client/v3/directory/room/%23a%3Ahs.test', { room_id: ROOM }).reply(200, {})
      .delete('/_matrix/client/v3/directory/room/%23a%3Ahs.test').reply(200, {})
      .put('/_matrix/client/v3/directory/list/room/!room%3Ahs.test', { visibility: 'public' }).reply(200, {})
      .put(`/_matrix/client/v3/rooms/!room%3Ahs.test/typing/${encodeURIComponent(GHOST)}`, { typing: true, timeout: 5000 }).query({ user_id: GHOST }).reply(200, {})
      .put(/\/_matrix\/client\/v3\/rooms\/!room%3Ahs.test\/redact\/%24ev\/.+/, { reason: 'spam' }).reply(200, { event_id: '$r' });
    await expect(client.sendState(ROOM, 'm.room.name', '', { name: 'N' })).resolves.toBe('$s');
    await client.setDisplayName(GHOST, 'Alice');
    await client.setAvatarUrl(GHOST, 'mxc://hs.test/a');
    await client.createAlias('#a:hs.test' as RoomAlias, ROOM);
    await client.deleteAlias('#a:hs.test' as RoomAlias);
    await client.setDirectoryVisibility(ROOM, 'public');
    await client.sendTyping(ROOM, GHOST, true, 5000);
    await expect(client.redact(ROOM, '$ev' as never, { reason: 'spam' })).resolves.toBe('$r');
    expect(scope.isDone()).toBe(true);
  });

  it('uploads raw bytes and downloads through authenticated media', async () => {
    const { client } = setup();
    const bytes = Buffer.from('hello media');
    nock(HS, { reqheaders: { 'content-type': 'image/png' } })
      .post('/_matrix/media/v3/upload', (body: string) => body === 'hello media').query({ filename: 'a.png' })
      .reply(200, { content_uri: 'mxc://hs.test/abc' });
    nock(HS, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/_matrix/client/v1/media/download/hs.test/abc').times(2).reply(200, bytes, { 'Content-Type': 'image/png' });
    await expect(client.uploadMedia(bytes, 'image/png', { filename: 'a.png' })).resolves.toBe('mxc://hs.test/abc');
    const media = await client.downloadMedia('mxc://hs.test/abc');
    expect(media.contentType).toBe('image/png');
    expect(media.data.toString()).toBe('hello media');
    const { stream } = await client.downloadMediaStream('mxc://hs.test/abc');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('hello media');
  });

  it('refuses media over maxBytes without retrying', async () => {
    const { client, sleeps } = setup();
    nock(HS).get('/_matrix/client/v1/media/download/hs.test/big').reply(200, Buffer.alloc(100));
    await expect(client.downloadMedia('mxc://hs.test/big', { maxBytes: 10 })).rejects.toThrow(/over the 10-byte limit/);
    expect(sleeps).toEqual([]);
    await expect(client.downloadMedia('https://example.org/x')).rejects.toThrow(/Not an mxc/);
  });

  it('pings through the appservice ping endpoint', async () => {
    const { client } = setup();
    nock(HS).post('/_matrix/client/v1/appservice/irc/ping', { transaction_id: 't1' }).reply(200, { duration_ms: 12 });
    await expect(client.ping('irc', 't1')).resolves.toEqual({ durationMs: 12 });
  });

  it('sends leave/kick/ban/unban with reasons', async () => {
    const { client } = setup();
    const scope = nock(HS)
      .post('/_matrix/client/v3/rooms/!room%3Ahs.test/leave', { reason: 'bye' }).reply(200, {})
      .post('/_matrix/client/v3/rooms/!room%3Ahs.test/kick', { user_id: GHOST, reason: 'k' }).reply(200, {})
      .post('/_matrix/client/v3/rooms/!room%3Ahs.test/ban', { user_id: GHOST, reason: 'b' }).reply(200, {})
      .post('/_matrix/client/v3/rooms/!room%3Ahs.test/unban', { user_id: GHOST }).reply(200, {});
    await client.leave(ROOM, { reason: 'bye' });
    await client.kick(ROOM, GHOST, { reason: 'k' });
    await client.ban(ROOM, GHOST, { reason: 'b' });
    await client.unban(ROOM, GHOST);
    expect(scope.isDone()).toBe(true);
  });
});
