import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { ThirdPartyProvider } from '../connector';
import { asRoomAlias } from '../ids';
import type { Logger } from '../log/types';
import { Ingestor } from '../ingest/ingestor';
import { MemoryJournal } from '../ingest/memory-journal';
import type { QueuedItem } from '../ingest/types';
import { createAppServiceApp, type AppServiceAppDeps } from './appservice-app';
import { createHttpMetrics } from './metrics';

const HS_TOKEN = 'hs-secret-token';
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {}, child: () => silent };

const wireEvent = (n: number, extra: Record<string, unknown> = {}) => ({
  event_id: `$e${n}`, room_id: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.message',
  content: { body: `m${n}` }, origin_server_ts: 1000 + n, ...extra,
});

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

async function start(overrides: Partial<AppServiceAppDeps> = {}) {
  const handled: QueuedItem[] = [];
  const journal = new MemoryJournal();
  const ingestor = new Ingestor({
    journal, handle: async (item) => { handled.push(item); }, isEcho: () => false,
    roomConcurrency: 2, maxAttempts: 1, retryDelay: () => 0, slowHandlerMs: 60_000, log: silent,
  });
  const registry = new Registry();
  const app = createAppServiceApp({
    hsToken: HS_TOKEN, ingest: ingestor, maxBodyBytes: 64 * 1024, log: silent, metrics: createHttpMetrics(registry), ...overrides,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown, opts: { token?: string | null; raw?: string } = {}) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    const token = opts.token === undefined ? HS_TOKEN : opts.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, {
      method, headers, body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  return { call, handled, journal, ingestor, registry };
}

const TXN = '/_matrix/app/v1/transactions';

describe('authentication', () => {
  it('answers 401 M_UNAUTHORIZED without a token', async () => {
    const { call } = await start();
    await expect(call('PUT', `${TXN}/1`, { events: [] }, { token: null })).resolves.toMatchObject({
      status: 401, body: { errcode: 'M_UNAUTHORIZED' },
    });
  });

  it('answers 403 M_FORBIDDEN for a wrong Bearer token or a wrong access_token', async () => {
    const { call, handled } = await start();
    await expect(call('PUT', `${TXN}/1`, { events: [wireEvent(1)] }, { token: 'nope' })).resolves.toMatchObject({
      status: 403, body: { errcode: 'M_FORBIDDEN' },
    });
    await expect(call('PUT', `${TXN}/2?access_token=nope`, { events: [] }, { token: null })).resolves.toMatchObject({ status: 403 });
    await expect(call('PUT', `${TXN}/3?access_token=nope`, { events: [] })).resolves.toMatchObject({ status: 403 });
    expect(handled).toEqual([]);
  });

  it('accepts the deprecated access_token query parameter', async () => {
    const { call } = await start();
    await expect(call('PUT', `${TXN}/1?access_token=${HS_TOKEN}`, { events: [] }, { token: null })).resolves.toEqual({ status: 200, body: {} });
  });
});

describe('PUT /transactions', () => {
  it('hands camelCased events to the ingest queue and answers {}', async () => {
    const { call, handled, ingestor } = await start();
    const redaction = wireEvent(2, { type: 'm.room.redaction', content: { redacts: '$e1' }, unknown_field: true });
    await expect(call('PUT', `${TXN}/t1`, { events: [wireEvent(1, { state_key: 'k' }), redaction], other: 1 })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled.map((i) => i.event)).toEqual([
      { eventId: '$e1', roomId: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.message', content: { body: 'm1' }, originServerTs: 1001, stateKey: 'k' },
      { eventId: '$e2', roomId: '!room:hs.test', sender: '@alice:hs.test', type: 'm.room.redaction', content: { redacts: '$e1' }, originServerTs: 1002, redacts: '$e1' },
    ]);
  });

  it('answers a duplicate txnId with 200 without queueing it again', async () => {
    const { call, handled, ingestor } = await start();
    await call('PUT', `${TXN}/t1`, { events: [wireEvent(1)] });
    await expect(call('PUT', `${TXN}/t1`, { events: [wireEvent(1)] })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled).toHaveLength(1);
  });

  it('works on the legacy unprefixed path', async () => {
    const { call, handled, ingestor } = await start();
    await expect(call('PUT', '/transactions/t9', { events: [wireEvent(1)] })).resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled).toHaveLength(1);
  });

  it.each(['ephemeral', 'de.sorunome.msc2409.ephemeral'])('accepts ephemeral events under %s', async (key) => {
    const { call, handled, ingestor } = await start();
    const typing = { type: 'm.typing', room_id: '!room:hs.test', content: { user_ids: ['@alice:hs.test'] } };
    await expect(call('PUT', `${TXN}/t1`, { events: [], [key]: [typing] })).resolves.toMatchObject({ status: 200 });
    await ingestor.drain();
    expect(handled).toEqual([expect.objectContaining({ kind: 'ephemeral', event: { type: 'm.typing', roomId: '!room:hs.test', content: typing.content } })]);
  });

  it('answers 400 M_NOT_JSON for a body that is not JSON', async () => {
    const { call } = await start();
    await expect(call('PUT', `${TXN}/t1`, undefined, { raw: '{"events": [' })).resolves.toMatchObject({ status: 400, body: { errcode: 'M_NOT_JSON' } });
  });

  it('skips a malformed event (Synapse would resend a refused transaction forever) and queues the rest', async () => {
    const { call, handled, ingestor } = await start();
    await expect(call('PUT', `${TXN}/t1`, { events: [wireEvent(1), wireEvent(2, { sender: 'bob' }), wireEvent(3, { room_id: undefined }), wireEvent(4)] }))
      .resolves.toEqual({ status: 200, body: {} });
    await ingestor.drain();
    expect(handled.map((h) => (h.kind === 'room' ? h.event.eventId : h.kind))).toEqual(['$e1', '$e4']);
  });

  it.each([
    [{ events: 'nope' }, 'events: expected an array'],
  ])('answers 400 M_BAD_JSON naming the field for %j', async (body, message) => {
    const { call, handled } = await start();
    const res = await call('PUT', `${TXN}/t1`, body);
    expect(res).toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(res.body?.error).toContain(message);
    expect(handled).toEqual([]);
  });

  it('answers 413 M_TOO_LARGE over maxBodyBytes', async () => {
    const { call } = await start({ maxBodyBytes: 1024 });
    const big = { events: [wireEvent(1, { content: { body: 'x'.repeat(4096) } })] };
    await expect(call('PUT', `${TXN}/t1`, big)).resolves.toMatchObject({ status: 413, body: { errcode: 'M_TOO_LARGE' } });
  });

  it('answers 500 M_UNKNOWN when the journal cannot persist, so the homeserver retries', async () => {
    const { call, journal } = await start();
    journal.failAccept = new Error('database is locked');
    await expect(call('PUT', `${TXN}/t1`, { events: [wireEvent(1)] })).resolves.toMatchObject({ status: 500, body: { errcode: 'M_UNKNOWN' } });
    journal.failAccept = undefined;
    await expect(call('PUT', `${TXN}/t1`, { events: [wireEvent(1)] })).resolves.toMatchObject({ status: 200 });
  });

  it('accepts pushes the fast path passes on (chunked body, encoded txnId, a charset) as it accepts plain ones', async () => {
    const { handled, ingestor, registry } = await start();
    const server = servers[0]!;
    const port = (server.address() as AddressInfo).port;
    const put = (path: string, headers: Record<string, string>, body: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'PUT', path, headers: { Authorization: `Bearer ${HS_TOKEN}`, ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Written in two pieces with no Content-Length: a chunked body.
      req.write(body.slice(0, 5));
      req.end(body.slice(5));
    });
    const event = (n: number) => JSON.stringify({ events: [wireEvent(n)] });
    await expect(put(`${TXN}/chunked`, {}, event(1))).resolves.toEqual({ status: 200, body: '{}' });
    await expect(put(`${TXN}/a%20b`, { 'Content-Length': String(event(2).length) }, event(2))).resolves.toEqual({ status: 200, body: '{}' });
    await expect(put(`${TXN}/plain`, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': String(event(3).length) }, event(3)))
      .resolves.toEqual({ status: 200, body: '{}' });
    await expect(put(`${TXN}/latin`, { 'Content-Type': 'application/json; charset=latin1', 'Content-Length': String(event(4).length) }, event(4)))
      .resolves.toMatchObject({ status: 415 });
    await expect(put(`${TXN}/strict`, { 'Content-Length': '4' }, 'null')).resolves.toMatchObject({ status: 400, body: expect.stringContaining('M_NOT_JSON') });
    await ingestor.drain();
    expect(handled.map((h) => (h.kind === 'room' ? h.event.eventId : h.kind))).toEqual(['$e1', '$e2', '$e3']);
    const values = (await registry.getSingleMetric('bridgekit_appservice_api_requests_total')!.get()).values;
    expect(values.map((v) => [v.labels, v.value])).toEqual(expect.arrayContaining([
      [{ route: 'transactions', status: '200' }, 3], [{ route: 'transactions', status: '400' }, 1], [{ route: 'transactions', status: '415' }, 1],
    ]));
  });

  it('counts requests by route name, not raw path', async () => {
    const { call, registry } = await start();
    await call('PUT', `${TXN}/a`, { events: [] });
    await call('PUT', '/transactions/b', { events: [] });
    await call('GET', '/nowhere');
    const values = (await registry.getSingleMetric('bridgekit_appservice_api_requests_total')!.get()).values;
    expect(values.map((v) => [v.labels, v.value])).toEqual([
      [{ route: 'transactions', status: '200' }, 2],
      [{ route: 'unknown', status: '404' }, 1],
    ]);
  });
});

describe('routing', () => {
  it('answers unknown routes with 404 M_UNRECOGNIZED and wrong methods with 405', async () => {
    const { call } = await start();
    await expect(call('GET', '/_matrix/app/v1/nothing')).resolves.toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    await expect(call('POST', `${TXN}/t1`, {})).resolves.toMatchObject({ status: 405, body: { errcode: 'M_UNRECOGNIZED' } });
  });

  it('answers user and alias queries through the connector', async () => {
    const asked: string[] = [];
    const { call } = await start({
      onUserQuery: async (userId) => { asked.push(userId); return userId === '@_irc_bob:hs.test'; },
      onAliasQuery: async (alias) => { if (alias === '#boom:hs.test') throw new Error('boom'); return alias === '#_irc_x:hs.test'; },
    });
    await expect(call('GET', `/_matrix/app/v1/users/${encodeURIComponent('@_irc_bob:hs.test')}`)).resolves.toEqual({ status: 200, body: {} });
    await expect(call('GET', `/users/${encodeURIComponent('@_irc_eve:hs.test')}`)).resolves.toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    await expect(call('GET', '/_matrix/app/v1/users/not-a-user')).resolves.toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
    await expect(call('GET', `/_matrix/app/v1/rooms/${encodeURIComponent('#_irc_x:hs.test')}`)).resolves.toEqual({ status: 200, body: {} });
    await expect(call('GET', `/_matrix/app/v1/rooms/${encodeURIComponent('#boom:hs.test')}`)).resolves.toMatchObject({ status: 500, body: { errcode: 'M_UNKNOWN' } });
    expect(asked).toEqual(['@_irc_bob:hs.test', '@_irc_eve:hs.test']);
  });

  it('answers queries with 404 when the connector has no handler', async () => {
    const { call } = await start();
    await expect(call('GET', `/_matrix/app/v1/users/${encodeURIComponent('@a:hs.test')}`)).resolves.toMatchObject({ status: 404 });
  });

  it('answers /ping with {} and reports the transaction id', async () => {
    const pings: Array<string | undefined> = [];
    const { call } = await start({ onPing: (id) => pings.push(id) });
    await expect(call('POST', '/_matrix/app/v1/ping', { transaction_id: 'meow' })).resolves.toEqual({ status: 200, body: {} });
    await expect(call('POST', '/_matrix/app/v1/ping', { transaction_id: 'bad' }, { token: 'wrong' })).resolves.toMatchObject({ status: 403 });
    // Synapse relays `null` when the bridge's own ping carried no ID.
    await expect(call('POST', '/_matrix/app/v1/ping', { transaction_id: null })).resolves.toEqual({ status: 200, body: {} });
    await expect(call('POST', '/_matrix/app/v1/ping', { transaction_id: 5 })).resolves.toMatchObject({ status: 400, body: { errcode: 'M_BAD_JSON' } });
    expect(pings).toEqual(['meow', undefined]);
  });
});

describe('third-party lookups', () => {
  const provider: ThirdPartyProvider = {
    protocols: {
      irc: {
        userFields: ['network', 'nickname'], locationFields: ['network', 'channel'], icon: 'mxc://x/y',
        fieldTypes: { network: { regexp: '[a-z]+', placeholder: 'libera' } },
        instances: [{ networkId: 'libera', desc: 'Libera.Chat', fields: { network: 'libera' } }],
      },
      plain: { userFields: [], locationFields: [], fieldTypes: {}, instances: [] },
    },
    locations: async (protocol, fields) => [{ alias: asRoomAlias('#_irc_chan:hs.test'), protocol, fields }],
    users: async () => [],
    locationsByAlias: async (alias) => [{ alias, protocol: 'irc', fields: {} }],
    usersByUserId: async (userId) => (userId === '@_irc_a:hs.test' ? [{ userId, protocol: 'irc', fields: { nickname: 'a' } }] : []),
  };

  it('serves protocol metadata in the spec\'s shape, on the v1 and the unstable prefix; no icon is sent when there is none', async () => {
    const { call } = await start({ thirdParty: provider });
    await expect(call('GET', '/_matrix/app/v1/thirdparty/protocol/irc')).resolves.toEqual({
      status: 200,
      body: {
        user_fields: ['network', 'nickname'], location_fields: ['network', 'channel'], icon: 'mxc://x/y',
        field_types: { network: { regexp: '[a-z]+', placeholder: 'libera' } },
        instances: [{ network_id: 'libera', desc: 'Libera.Chat', fields: { network: 'libera' } }],
      },
    });
    await expect(call('GET', '/_matrix/app/v1/thirdparty/protocol/plain')).resolves.toEqual({
      status: 200, body: { user_fields: [], location_fields: [], field_types: {}, instances: [] },
    });
    await expect(call('GET', '/_matrix/app/unstable/thirdparty/protocol/irc')).resolves.toMatchObject({ status: 200 });
    await expect(call('GET', '/_matrix/app/v1/thirdparty/protocol/xmpp')).resolves.toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  });

  it('passes the search fields (without access_token) to the provider', async () => {
    const { call } = await start({ thirdParty: provider });
    const res = await call('GET', `/_matrix/app/v1/thirdparty/location/irc?network=libera&channel=%23chan&access_token=${HS_TOKEN}`);
    expect(res).toEqual({ status: 200, body: [{ alias: '#_irc_chan:hs.test', protocol: 'irc', fields: { network: 'libera', channel: '#chan' } }] });
  });

  it('answers 404 for empty results, missing lookups, and without a provider', async () => {
    const withProvider = await start({ thirdParty: provider });
    await expect(withProvider.call('GET', '/_matrix/app/v1/thirdparty/user/irc?nickname=x')).resolves.toMatchObject({ status: 404 });
    await expect(withProvider.call('GET', `/_matrix/app/v1/thirdparty/user?userid=${encodeURIComponent('@a:hs.test')}`)).resolves.toMatchObject({ status: 404 });
    await expect(withProvider.call('GET', `/_matrix/app/v1/thirdparty/user?userid=${encodeURIComponent('@_irc_a:hs.test')}`)).resolves.toEqual({
      status: 200, body: [{ userid: '@_irc_a:hs.test', protocol: 'irc', fields: { nickname: 'a' } }],
    });
    await expect(withProvider.call('GET', `/_matrix/app/v1/thirdparty/location?alias=${encodeURIComponent('#a:hs.test')}`)).resolves.toMatchObject({
      status: 200, body: [{ alias: '#a:hs.test', protocol: 'irc', fields: {} }],
    });
    await expect(withProvider.call('GET', '/_matrix/app/v1/thirdparty/location')).resolves.toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
    const without = await start();
    await expect(without.call('GET', '/_matrix/app/v1/thirdparty/protocol/irc')).resolves.toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    await expect(without.call('GET', '/_matrix/app/v1/thirdparty/location/irc')).resolves.toMatchObject({ status: 404 });
  });
});
