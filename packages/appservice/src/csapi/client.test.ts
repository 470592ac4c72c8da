import { Registry } from 'prom-client';
import type { RoomAlias, RoomId, UserId } from '../ids';
import type { Logger } from '../log/types';
import { CsApiClient, type CsApiClientOptions } from './client';
import { MatrixError, NetworkError } from './errors';
import { createCsApiMetrics } from './metrics';
import { LoopbackHomeserver } from './testing/loopback-homeserver';

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

let hs: LoopbackHomeserver;
const clients: CsApiClient[] = [];

function setup(overrides: Partial<CsApiClientOptions> = {}) {
  const sleeps: number[] = [];
  const lines: string[] = [];
  const registry = new Registry();
  const metrics = createCsApiMetrics(registry);
  const client = new CsApiClient({
    baseUrl: `${hs.url}/`, asToken: TOKEN, timeoutMs: 1000, maxRetries: 3, log: memoryLogger(lines), metrics,
    sleep: async (ms) => { sleeps.push(ms); }, random: () => 0.5,
    ...overrides,
  });
  clients.push(client);
  return { client, sleeps, lines, registry, metrics };
}

async function counter(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value }));
}

const queryOf = (i: number) => Object.fromEntries(hs.requests[i]!.query);
const bodyOf = (i: number) => JSON.parse(hs.requests[i]!.body) as unknown;

beforeEach(async () => { hs = await LoopbackHomeserver.start(); });
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await hs.close();
});

describe('CsApiClient requests', () => {
  it('sends the as_token as a Bearer header and masquerades with ?user_id=', async () => {
    const { client } = setup();
    hs.on('PUT', /^\/_matrix\/client\/v3\/rooms\/!room%3Ahs.test\/send\/m.room.message\/[^/?]+$/, { json: { event_id: '$ev1' } });
    await expect(client.sendMessage(ROOM, { msgtype: 'm.text', body: 'hi' }, { asUser: GHOST })).resolves.toBe('$ev1');
    expect(hs.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(queryOf(0)).toEqual({ user_id: GHOST });
    expect(bodyOf(0)).toEqual({ msgtype: 'm.text', body: 'hi' });
    expect(hs.pending()).toEqual([]);
  });

  it('sends an original timestamp as the appservice ts parameter, and drops one that is not a time', async () => {
    const { client } = setup();
    const send = /^\/_matrix\/client\/v3\/rooms\/!room%3Ahs.test\/send\/m.room.message\/[^/?]+$/;
    hs.on('PUT', send, { json: { event_id: '$ts' } }, { json: { event_id: '$now' } });
    await expect(client.sendEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body: 'then' }, { asUser: GHOST, ts: 1_700_000_000_123 })).resolves.toBe('$ts');
    await expect(client.sendEvent(ROOM, 'm.room.message', { msgtype: 'm.text', body: 'now' }, { asUser: GHOST, ts: Number.NaN })).resolves.toBe('$now');
    expect(queryOf(0)).toEqual({ user_id: GHOST, ts: '1700000000123' });
    expect(queryOf(1)).toEqual({ user_id: GHOST });
    expect(hs.pending()).toEqual([]);
  });

  it('omits user_id when acting as the bot', async () => {
    const { client } = setup();
    hs.on('GET', '/_matrix/client/v3/account/whoami', { json: { user_id: '@bot:hs.test' } });
    await expect(client.whoami()).resolves.toEqual({ userId: '@bot:hs.test', deviceId: undefined });
    expect(queryOf(0)).toEqual({});
  });

  it('keeps at most maxConnections open, and reuses them for later requests', async () => {
    const { client } = setup({ maxConnections: 2 });
    hs.on('GET', '/_matrix/client/versions', { json: { versions: [] }, delayMs: 20, times: 8 });
    await Promise.all(Array.from({ length: 8 }, () => client.versions()));
    expect(hs.connections).toBe(2);
    hs.on('GET', '/_matrix/client/versions', { json: { versions: [] }, times: 5 });
    for (let i = 0; i < 5; i++) await client.versions();
    expect(hs.connections).toBe(2);
    expect(hs.requests).toHaveLength(13);
  });

  it('generates distinct transaction IDs', () => {
    const { client } = setup();
    const ids = new Set(Array.from({ length: 1000 }, () => client.newTxnId()));
    expect(ids.size).toBe(1000);
    expect(setup().client.newTxnId()).not.toBe(client.newTxnId());
  });

  it('never logs the token', async () => {
    const { client, lines } = setup();
    hs.on('GET', '/_matrix/client/versions', { status: 502, body: 'bad gateway' }, { json: { versions: ['v1.11'] } });
    await client.versions();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('CsApiClient retries', () => {
  it('waits retry_after_ms on 429 M_LIMIT_EXCEEDED, then succeeds', async () => {
    const { client, sleeps } = setup();
    hs.on('GET', '/_matrix/client/versions',
      { status: 429, json: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 1500 } },
      { json: { versions: ['v1.11'] } });
    await expect(client.versions()).resolves.toEqual({ versions: ['v1.11'], unstableFeatures: {} });
    expect(sleeps).toEqual([1500]);
  });

  it('prefers a Retry-After header in seconds', async () => {
    const { client, sleeps } = setup();
    hs.on('GET', '/_matrix/client/versions',
      { status: 429, json: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 1500 }, headers: { 'Retry-After': '3' } },
      { json: { versions: [] } });
    await client.versions();
    expect(sleeps).toEqual([3000]);
  });

  it('understands a Retry-After HTTP-date', async () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const { client, sleeps } = setup({ now: () => now });
    hs.on('GET', '/_matrix/client/versions',
      { status: 503, body: 'busy', headers: { 'Retry-After': 'Wed, 21 Oct 2015 07:28:04 GMT' } },
      { json: { versions: [] } });
    await client.versions();
    expect(sleeps).toEqual([4000]);
  });

  it('retries 5xx with jittered exponential backoff, then succeeds, and counts the retries', async () => {
    const { client, sleeps, registry } = setup({ retryBaseMs: 100 });
    hs.on('GET', '/_matrix/client/v3/rooms/!room%3Ahs.test/joined_members',
      { status: 500, json: { errcode: 'M_UNKNOWN' }, times: 2 },
      { json: { joined: { [GHOST]: { display_name: 'alice', avatar_url: null } } } });
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
    hs.on('GET', '/_matrix/client/versions', { status: 502, json: { errcode: 'M_UNKNOWN', error: 'upstream' }, times: 3 });
    const err = await client.versions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_UNKNOWN', status: 502, serverMessage: 'upstream', code: 'CSAPI_UNAVAILABLE', retriable: true });
    expect(sleeps).toHaveLength(2);
    expect(hs.requests).toHaveLength(3);
  });

  it('never retries another 4xx', async () => {
    const { client, sleeps } = setup();
    hs.on('POST', '/_matrix/client/v3/rooms/!room%3Ahs.test/invite', { status: 403, json: { errcode: 'M_FORBIDDEN', error: 'You are not in this room.' } });
    const err = await client.invite(ROOM, GHOST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MatrixError);
    expect(err).toMatchObject({ errcode: 'M_FORBIDDEN', status: 403, endpoint: 'POST /_matrix/client/v3/rooms/{roomId}/invite' });
    expect(err).toMatchObject({ code: 'CSAPI_REJECTED', retriable: false, notifySender: true });
    expect((err as Error).message).toContain('not joined, not invited');
    expect(sleeps).toEqual([]);
    expect(hs.requests).toHaveLength(1);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterMs', async () => {
    const { client, sleeps } = setup({ maxRetryAfterMs: 10_000 });
    hs.on('GET', '/_matrix/client/versions', { status: 429, json: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 120_000 } });
    await expect(client.versions()).rejects.toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retryAfterMs: 120_000, code: 'CSAPI_RATE_LIMITED', retriable: true });
    expect(sleeps).toEqual([]);
  });

  it('times out a slow request, retries, and reports a NetworkError', async () => {
    const { client, sleeps, registry } = setup({ timeoutMs: 20, maxRetries: 1 });
    hs.on('GET', '/_matrix/client/versions', { json: { versions: [] }, delayMs: 500, times: 2 });
    const err = await client.versions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ failure: 'timeout', endpoint: 'GET /_matrix/client/versions', code: 'CSAPI_UNAVAILABLE', retriable: true });
    expect(sleeps).toHaveLength(1);
    expect(await counter(registry, 'bridgekit_csapi_requests_total')).toEqual([
      { labels: { method: 'GET', endpoint: '/_matrix/client/versions', status: 'timeout' }, value: 2 },
    ]);
  });

  it('retries a reset connection', async () => {
    const { client, sleeps } = setup();
    hs.on('GET', '/_matrix/client/versions', { reset: true }, { json: { versions: ['v1.1'] } });
    await expect(client.versions()).resolves.toMatchObject({ versions: ['v1.1'] });
    expect(sleeps).toHaveLength(1);
  });

  it('retries a refused connection, and reports it as unreachable when it persists', async () => {
    const port = Number(new URL(hs.url).port);
    await hs.close();
    const { client, sleeps } = setup({ maxRetries: 1 });
    const err = await client.versions().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ failure: 'unreachable', code: 'CSAPI_UNAVAILABLE', retriable: true });
    expect(sleeps).toHaveLength(1);
    hs = await LoopbackHomeserver.start(); // for afterEach
    expect(port).toBeGreaterThan(0);
  });

  it('retries createRoom on 429 but not on 5xx, which may have created the room', async () => {
    const { client, sleeps } = setup();
    hs.on('POST', '/_matrix/client/v3/createRoom',
      { status: 429, json: { errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: 10 } },
      { status: 500, json: { errcode: 'M_UNKNOWN' } });
    await expect(client.createRoom({ name: 'x' })).rejects.toMatchObject({ status: 500 });
    expect(sleeps).toEqual([10]);
  });
});

describe('CsApiClient endpoints', () => {
  it('treats M_USER_IN_USE on register as success', async () => {
    const { client } = setup();
    hs.on('POST', '/_matrix/client/v3/register',
      { status: 400, json: { errcode: 'M_USER_IN_USE', error: 'User ID already taken.' } },
      { json: { user_id: '@_irc_bob:hs.test' } });
    await expect(client.register('_irc_alice')).resolves.toEqual({ created: false });
    await expect(client.register('_irc_bob')).resolves.toEqual({ created: true });
    expect(bodyOf(0)).toEqual({ type: 'm.login.application_service', username: '_irc_alice', inhibit_login: true });
  });

  it('other register errors are thrown', async () => {
    const { client } = setup();
    hs.on('POST', '/_matrix/client/v3/register', { status: 400, json: { errcode: 'M_EXCLUSIVE', error: 'not in namespace' } });
    await expect(client.register('alice')).rejects.toMatchObject({ errcode: 'M_EXCLUSIVE' });
  });

  it('creates a room with snake_case wire fields', async () => {
    const { client } = setup();
    hs.on('POST', '/_matrix/client/v3/createRoom', { json: { room_id: '!new:hs.test' } });
    const roomId = await client.createRoom({
      aliasLocalpart: '_irc_#chan', name: 'Chan', visibility: 'private', preset: 'public_chat', invite: [GHOST], isDirect: false,
      initialState: [{ type: 'm.room.join_rules', content: { join_rule: 'public' } }],
      powerLevelContentOverride: { users_default: 0 }, roomVersion: '11',
    }, { asUser: GHOST });
    expect(roomId).toBe('!new:hs.test');
    expect(queryOf(0)).toEqual({ user_id: GHOST });
    expect(bodyOf(0)).toEqual({
      room_alias_name: '_irc_#chan', name: 'Chan', visibility: 'private', preset: 'public_chat', invite: [GHOST], is_direct: false,
      initial_state: [{ type: 'm.room.join_rules', state_key: '', content: { join_rule: 'public' } }],
      power_level_content_override: { users_default: 0 }, room_version: '11',
    });
  });

  it('joins by alias with server names', async () => {
    const { client } = setup();
    hs.on('POST', '/_matrix/client/v3/join/%23chan%3Ahs.test', { json: { room_id: ROOM } });
    await expect(client.join('#chan:hs.test' as RoomAlias, { asUser: GHOST, serverNames: ['a.test', 'b.test'] })).resolves.toBe(ROOM);
    const q = hs.requests[0]!.query;
    expect(q.getAll('server_name')).toEqual(['a.test', 'b.test']);
    expect(q.getAll('via')).toEqual(['a.test', 'b.test']);
    expect(q.get('user_id')).toBe(GHOST);
  });

  it('reads a whole state event (format=event) to learn its sender, and copes with homeservers that answer with the content only', async () => {
    const { client } = setup();
    const create = { room_version: '12', additional_creators: ['@b:hs.test'] };
    hs.on('GET', '/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.create/',
      { json: { type: 'm.room.create', state_key: '', sender: '@a:hs.test', event_id: '$create', content: create, room_id: ROOM } },
      { json: create });
    hs.on('GET', '/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.tombstone/', { status: 404, json: { errcode: 'M_NOT_FOUND' } });
    await expect(client.getStateEvent(ROOM, 'm.room.create', '', { asUser: GHOST })).resolves.toEqual({ content: create, sender: '@a:hs.test', eventId: '$create' });
    await expect(client.getStateEvent(ROOM, 'm.room.create')).resolves.toEqual({ content: create });
    await expect(client.getStateEvent(ROOM, 'm.room.tombstone')).resolves.toBeUndefined();
    expect(queryOf(0)).toEqual({ format: 'event', user_id: GHOST });
    expect(queryOf(1)).toEqual({ format: 'event' });
  });

  it('returns undefined for missing state, unknown aliases and unknown profiles', async () => {
    const { client } = setup();
    const notFound = { status: 404, json: { errcode: 'M_NOT_FOUND' } };
    hs.on('GET', '/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.topic/', notFound)
      .on('GET', '/_matrix/client/v3/directory/room/%23nope%3Ahs.test', notFound)
      .on('GET', `/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}`, notFound);
    await expect(client.getState(ROOM, 'm.room.topic')).resolves.toBeUndefined();
    await expect(client.resolveAlias('#nope:hs.test' as RoomAlias)).resolves.toBeUndefined();
    await expect(client.getProfile(GHOST)).resolves.toBeUndefined();
    expect(hs.pending()).toEqual([]);
  });

  it('sets state, profile and directory entries', async () => {
    const { client } = setup();
    hs.on('PUT', '/_matrix/client/v3/rooms/!room%3Ahs.test/state/m.room.name/', { json: { event_id: '$s' } })
      .on('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}/displayname`, { json: {} })
      .on('PUT', `/_matrix/client/v3/profile/${encodeURIComponent(GHOST)}/avatar_url`, { json: {} })
      .on('PUT', '/_matrix/client/v3/directory/room/%23a%3Ahs.test', { json: {} })
      .on('DELETE', '/_matrix/client/v3/directory/room/%23a%3Ahs.test', { json: {} })
      .on('PUT', '/_matrix/client/v3/directory/list/room/!room%3Ahs.test', { json: {} })
      .on('PUT', `/_matrix/client/v3/rooms/!room%3Ahs.test/typing/${encodeURIComponent(GHOST)}`, { json: {} })
      .on('PUT', /^\/_matrix\/client\/v3\/rooms\/!room%3Ahs.test\/redact\/%24ev\/.+/, { json: { event_id: '$r' } });
    await expect(client.sendState(ROOM, 'm.room.name', '', { name: 'N' })).resolves.toBe('$s');
    await client.setDisplayName(GHOST, 'Alice');
    await client.setAvatarUrl(GHOST, 'mxc://hs.test/a');
    await client.createAlias('#a:hs.test' as RoomAlias, ROOM);
    await client.deleteAlias('#a:hs.test' as RoomAlias);
    await client.setDirectoryVisibility(ROOM, 'public');
    await client.sendTyping(ROOM, GHOST, true, 5000);
    await expect(client.redact(ROOM, '$ev' as never, { reason: 'spam' })).resolves.toBe('$r');
    expect(hs.pending()).toEqual([]);
    expect(hs.requests.map((r) => [r.query.get('user_id'), r.body ? JSON.parse(r.body) as unknown : undefined])).toEqual([
      [null, { name: 'N' }],
      [GHOST, { displayname: 'Alice' }],
      [GHOST, { avatar_url: 'mxc://hs.test/a' }],
      [null, { room_id: ROOM }],
      [null, undefined],
      [null, { visibility: 'public' }],
      [GHOST, { typing: true, timeout: 5000 }],
      [null, { reason: 'spam' }],
    ]);
  });

  it('sets presence as the user itself, with a status message only when one is given', async () => {
    const { client } = setup();
    hs.on('PUT', `/_matrix/client/v3/presence/${encodeURIComponent(GHOST)}/status`, { json: {}, times: 2 });
    await client.setPresence(GHOST, 'unavailable', 'gone fishing');
    await client.setPresence(GHOST, 'online');
    expect(hs.pending()).toEqual([]);
    expect(hs.requests.map((r) => [r.query.get('user_id'), JSON.parse(r.body ?? 'null') as unknown])).toEqual([
      [GHOST, { presence: 'unavailable', status_msg: 'gone fishing' }],
      [GHOST, { presence: 'online' }],
    ]);
  });

  it('uploads raw bytes and downloads through authenticated media, buffered and streamed', async () => {
    const { client } = setup();
    const bytes = Buffer.from('hello media');
    hs.on('POST', '/_matrix/media/v3/upload', { json: { content_uri: 'mxc://hs.test/abc' } })
      .on('GET', '/_matrix/client/v1/media/download/hs.test/abc', { body: bytes, headers: { 'Content-Type': 'image/png' }, times: 2 });
    await expect(client.uploadMedia(bytes, 'image/png', { filename: 'a.png' })).resolves.toBe('mxc://hs.test/abc');
    expect(hs.requests[0]).toMatchObject({ body: 'hello media', headers: { 'content-type': 'image/png' } });
    expect(queryOf(0)).toEqual({ filename: 'a.png' });
    const media = await client.downloadMedia('mxc://hs.test/abc');
    expect(media.contentType).toBe('image/png');
    expect(media.data.toString()).toBe('hello media');
    const { stream, contentLength } = await client.downloadMediaStream('mxc://hs.test/abc');
    expect(contentLength).toBe(bytes.length);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('hello media');
    expect(hs.requests.slice(1).map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it('streams a large download at the reader\'s pace after the timeout has stopped applying', async () => {
    // The timeout must comfortably cover the headers of a 4 MiB reply on a loaded machine (at 50 ms
    // it once ran out before them); the reader then waits well past it before reading the body.
    const { client } = setup({ timeoutMs: 400 });
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    hs.on('GET', '/_matrix/client/v1/media/download/hs.test/big', { body: big });
    const { stream } = await client.downloadMediaStream('mxc://hs.test/big');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    let size = 0;
    for await (const chunk of stream) size += (chunk as Buffer).length;
    expect(size).toBe(big.length);
  });

  it('refuses media over maxBytes without retrying, and the connection stays usable', async () => {
    const { client, sleeps } = setup();
    hs.on('GET', '/_matrix/client/v1/media/download/hs.test/big', { body: Buffer.alloc(100) })
      .on('GET', '/_matrix/client/versions', { json: { versions: ['v1.1'] } });
    await expect(client.downloadMedia('mxc://hs.test/big', { maxBytes: 10 })).rejects.toThrow(/over the 10-byte limit/);
    expect(sleeps).toEqual([]);
    await expect(client.downloadMedia('https://example.org/x')).rejects.toThrow(/Not an mxc/);
    await expect(client.versions()).resolves.toMatchObject({ versions: ['v1.1'] });
  });

  it('pings through the appservice ping endpoint', async () => {
    const { client } = setup();
    hs.on('POST', '/_matrix/client/v1/appservice/irc/ping', { json: { duration_ms: 12 } });
    await expect(client.ping('irc', 't1')).resolves.toEqual({ durationMs: 12 });
    expect(bodyOf(0)).toEqual({ transaction_id: 't1' });
  });

  it('sends leave/kick/ban/unban with reasons', async () => {
    const { client } = setup();
    for (const action of ['leave', 'kick', 'ban', 'unban']) hs.on('POST', `/_matrix/client/v3/rooms/!room%3Ahs.test/${action}`, { json: {} });
    await client.leave(ROOM, { reason: 'bye' });
    await client.kick(ROOM, GHOST, { reason: 'k' });
    await client.ban(ROOM, GHOST, { reason: 'b' });
    await client.unban(ROOM, GHOST);
    expect(hs.pending()).toEqual([]);
    expect(hs.requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { reason: 'bye' }, { user_id: GHOST, reason: 'k' }, { user_id: GHOST, reason: 'b' }, { user_id: GHOST },
    ]);
  });
});
