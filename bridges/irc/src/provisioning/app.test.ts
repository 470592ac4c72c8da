// In-process tests over loopback: the routes on the core's real route layer and listener, a fake connector.
import { Registry } from 'prom-client';
import { asRoomId, ConnectorRoutes, createRouteMetrics, type Logger } from '@bridgekit/appservice';
import { openTempStore, type TempStore } from '../accounts/testing';
import { TestClock } from '@bridgekit/appservice/testing';
import type { IrcNick, NetworkId } from '../mapping';
import { PROVISIONING_PREFIX } from './app';
import { createProvisioning, type Provisioning } from './setup';
import { FakeProvisioningOps } from './testing';

const SECRET = 'correct horse battery staple';
const ROOM = '!room:example.org';
const USER = '@alice:example.org';
const libera = 'libera' as NetworkId;
const linkBody = { room_id: ROOM, network: 'libera', channel: '#Matrix', op_nick: 'ChanOp', user_id: USER };

let temp: TempStore;
let ops: FakeProvisioningOps;
let clock: TestClock;
let metrics: Registry;
let logLines: string[];
let provisioning: Provisioning;
let routes: ConnectorRoutes;
let port: number;

beforeEach(async () => {
  temp = openTempStore();
  ops = new FakeProvisioningOps(temp.store);
  ops.setOperator('libera', '#matrix', 'chanop');
  ops.allow(ROOM, USER);
  clock = new TestClock(0);
  metrics = new Registry();
  logLines = [];
  routes = new ConnectorRoutes({ log: recordingLogger(logLines), metrics: createRouteMetrics(metrics) });
  provisioning = createProvisioning({
    ops, secret: SECRET, maxLinksPerRoom: 2, permissions: () => ({ 'example.org': 'user', '@banned:example.org': 'none' }),
    clock, approvalTimeoutMs: 60_000, routes, log: recordingLogger(logLines),
  });
  port = (await routes.listen({ appservice: { bindAddress: '127.0.0.1', port: 0 } })).appservice!.port;
});

afterEach(async () => {
  await routes.close(100);
  temp.close();
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }): Promise<Reply> {
  const response = await fetch(`http://127.0.0.1:${port}${path.startsWith('/_') ? path : PROVISIONING_PREFIX + path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Sends a link request and waits until the op has been asked. */
async function requestLink(body: Record<string, unknown> = linkBody): Promise<{ reply: Promise<Reply> }> {
  const before = ops.pms.length;
  const reply = call('POST', '/link', body);
  await Promise.race([ops.pmsSent(before + 1), reply.then((r) => { throw new Error(`answered early: ${JSON.stringify(r)}`); })]);
  return { reply };
}

function recordingLogger(lines: string[]): Logger {
  const log: Logger = {
    error: (m, meta) => lines.push(`error ${m} ${JSON.stringify(meta)}`),
    warn: (m, meta) => lines.push(`warn ${m} ${JSON.stringify(meta)}`),
    info: (m, meta) => lines.push(`info ${m} ${JSON.stringify(meta)}`),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

describe('authentication', () => {
  it.each<[string, Record<string, string>, number, string]>([
    ['no header', {}, 401, 'M_MISSING_TOKEN'],
    ['another scheme', { authorization: `Basic ${SECRET}` }, 401, 'M_MISSING_TOKEN'],
    ['a wrong secret', { authorization: 'Bearer nope' }, 403, 'M_UNKNOWN_TOKEN'],
    ['a longer wrong secret', { authorization: `Bearer ${SECRET}x` }, 403, 'M_UNKNOWN_TOKEN'],
  ])('refuses %s', async (_name, headers, status, errcode) => {
    const reply = await call('GET', '/network/libera', undefined, headers);
    expect(reply).toEqual({ status, body: { errcode, error: expect.any(String) } });
  });

  it('says where the secret is set when it is wrong', async () => {
    const reply = await call('GET', '/network/libera', undefined, { authorization: 'Bearer nope' });
    expect(reply.body.error).toBe('Wrong secret: use irc.provisioning.secret from the bridge config.');
    expect(logLines.join('\n')).not.toContain(SECRET);
  });

  it('checks the secret before reading a body', async () => {
    expect((await call('POST', '/link', '{"room_id":', {})).status).toBe(401);
    expect(ops.pms).toEqual([]);
  });

  it('answers 404 for unknown endpoints and 405 for a known one with another method', async () => {
    expect(await call('GET', '/nothing-here')).toMatchObject({ status: 404, body: { errcode: 'M_UNRECOGNIZED' } });
    expect((await call('GET', '/_other/path', undefined, {})).status).toBe(404);
    expect(await call('GET', '/link')).toMatchObject({ status: 405, body: { errcode: 'M_UNRECOGNIZED' } });
  });

  it('refuses to start without a secret', () => {
    expect(() => createProvisioning({ ops, secret: '', maxLinksPerRoom: 1, permissions: () => ({}), routes: new ConnectorRoutes({ log: recordingLogger([]) }) }))
      .toThrow('needs a secret');
  });
});

describe('GET /network/:network and /links', () => {
  it('describes a network', async () => {
    expect(await call('GET', '/network/libera')).toEqual({ status: 200, body: { id: 'libera', name: 'Libera.Chat', connected: true, channel_types: ['#', '&'] } });
    expect(await call('GET', '/network/efnet')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(await call('GET', '/network/Not_Valid')).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  });

  it('lists the links of a room', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#Static', 'static');
    expect(await call('GET', `/links?room_id=${encodeURIComponent(ROOM)}`)).toEqual({
      status: 200,
      body: { room_id: ROOM, links: [{ room_id: ROOM, network: 'libera', channel: '#Static', origin: 'static' }] },
    });
    expect(await call('GET', '/links?room_id=%21empty%3Aexample.org')).toEqual({ status: 200, body: { room_id: '!empty:example.org', links: [] } });
    expect(await call('GET', '/links')).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM', error: 'Bad request: missing room_id.' } });
    expect(await call('GET', '/links?room_id=nope')).toMatchObject({ status: 400, body: { errcode: 'M_INVALID_PARAM' } });
  });
});

describe('request validation', () => {
  it.each<[string, unknown, string, string]>([
    ['a body that is not JSON', '{"room_id":', 'M_NOT_JSON', 'not valid JSON'],
    ['a JSON array', [], 'M_NOT_JSON', 'must be a JSON object'],
    ['an empty object', {}, 'M_MISSING_PARAM', 'missing room_id, network, channel, op_nick, user_id'],
    ['bad values', { ...linkBody, room_id: 'room', user_id: 'alice', op_nick: 'bad nick', channel: '#a b', network: 7 }, 'M_INVALID_PARAM', 'room_id must be a Matrix room ID'],
    ['a channel prefix the network lacks', { ...linkBody, channel: '+modeless' }, 'M_INVALID_PARAM', 'channel must start with one of "#&" on Libera.Chat'],
  ])('answers 400 for %s', async (_name, body, errcode, message) => {
    const reply = await call('POST', '/link', body);
    expect(reply.status).toBe(400);
    expect(reply.body.errcode).toBe(errcode);
    expect(reply.body.error).toContain(message);
    expect(ops.pms).toEqual([]);
  });

  it('lists every bad field at once', async () => {
    const reply = await call('POST', '/link', { ...linkBody, room_id: 'room', user_id: 'alice' });
    expect(reply.body.error).toBe('Bad request: room_id must be a Matrix room ID such as !abc:example.org; user_id must be a Matrix user ID such as @alice:example.org.');
  });

  it('answers 415 without a JSON content type and 413 for huge bodies', async () => {
    const response = await fetch(`http://127.0.0.1:${port}${PROVISIONING_PREFIX}/link`, {
      method: 'POST', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'text/plain' }, body: JSON.stringify(linkBody),
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ errcode: 'M_UNKNOWN', error: 'Unsupported Content-Type: send application/json' });
    expect(await call('POST', '/link', { ...linkBody, padding: 'x'.repeat(20_000) })).toMatchObject({ status: 413, body: { errcode: 'M_TOO_LARGE' } });
  });

  it('answers 404 for an unknown network', async () => {
    expect(await call('POST', '/link', { ...linkBody, network: 'efnet' })).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  });
});

describe('POST /link', () => {
  it('asks the op, links on "yes" and answers with the link', async () => {
    const { reply } = await requestLink();
    expect(ops.pms[0]).toEqual({ network: 'libera', nick: 'ChanOp', text: expect.stringContaining(`${USER} wants to bridge #Matrix to the Matrix room ${ROOM}`) });
    await expect(provisioning.approvals.handlePrivateMessage(libera, 'chanop' as IrcNick, 'yes')).resolves.toBe(true);
    expect(await reply).toEqual({ status: 200, body: { room_id: ROOM, network: 'libera', channel: '#Matrix', origin: 'provisioning' } });
    expect(ops.calls).toContain(`linkChannel ${ROOM} libera #Matrix by ${USER} approved by ChanOp`);
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toEqual([expect.objectContaining({ network: 'libera', remoteId: '#matrix', kind: 'channel', metadata: { channel: '#Matrix', origin: 'provisioning' } })]);
    expect((await call('GET', `/links?room_id=${encodeURIComponent(ROOM)}`)).body.links).toHaveLength(1);
  });

  it('does not link on "no"', async () => {
    const { reply } = await requestLink();
    await provisioning.approvals.handlePrivateMessage(libera, 'ChanOp' as IrcNick, 'no');
    expect(await reply).toMatchObject({ status: 403, body: { errcode: 'BK_APPROVAL_DENIED' } });
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toEqual([]);
  });

  it('gives up when the op does not answer in time', async () => {
    const { reply } = await requestLink();
    await clock.advance(60_000);
    expect(await reply).toMatchObject({ status: 504, body: { errcode: 'BK_APPROVAL_TIMEOUT' } });
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toEqual([]);
  });

  it("refuses a channel the network's access lists exclude, saying so, before asking anyone", async () => {
    expect(await call('POST', '/link', { ...linkBody, channel: '#Forbidden' })).toMatchObject({
      status: 403, body: { errcode: 'M_FORBIDDEN', error: "The bridge's admin does not allow #forbidden on Libera.Chat to be bridged." },
    });
  });

  it('only asks actual channel operators', async () => {
    expect(await call('POST', '/link', { ...linkBody, op_nick: 'random' })).toMatchObject({ status: 403, body: { errcode: 'BK_NOT_CHANNEL_OPERATOR' } });
    expect(ops.pms).toEqual([]);
  });

  it('refuses users without bridge permission or without power in the room', async () => {
    expect(await call('POST', '/link', { ...linkBody, user_id: '@banned:example.org' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(await call('POST', '/link', { ...linkBody, user_id: '@bob:elsewhere.org' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    const reply = await call('POST', '/link', { ...linkBody, user_id: '@carol:example.org' });
    expect(reply).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN', error: expect.stringContaining('power level') } });
    expect(ops.pms).toEqual([]);
  });

  it('answers 503 when the bridge is not connected to the network', async () => {
    ops.networks.get('libera')!.connected = false;
    expect(await call('POST', '/link', linkBody)).toMatchObject({ status: 503, body: { errcode: 'BK_NETWORK_UNAVAILABLE' } });
    ops.networks.get('libera')!.connected = true;
    ops.failPm = new Error('The bot is reconnecting.');
    expect(await call('POST', '/link', linkBody)).toMatchObject({ status: 503, body: { errcode: 'BK_NETWORK_UNAVAILABLE', error: expect.stringContaining('reconnecting') } });
  });

  it('refuses a channel the room is already linked to, in any case', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#matrix', 'alias');
    expect(await call('POST', '/link', { ...linkBody, channel: '#MATRIX' })).toMatchObject({ status: 409, body: { errcode: 'BK_ALREADY_LINKED' } });
  });

  it('enforces the per-room limit, counting requests still waiting', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#one', 'static');
    ops.setOperator('libera', '#two', 'op2');
    ops.setOperator('libera', '#three', 'op3');
    const { reply } = await requestLink({ ...linkBody, channel: '#two', op_nick: 'op2' });
    expect(await call('POST', '/link', { ...linkBody, channel: '#three', op_nick: 'op3' })).toMatchObject({
      status: 409, body: { errcode: 'BK_LINK_LIMIT', error: expect.stringContaining('the limit is 2') },
    });
    await provisioning.approvals.handlePrivateMessage(libera, 'op2' as IrcNick, 'yes');
    expect((await reply).status).toBe(200);
    expect(await call('POST', '/link', { ...linkBody, channel: '#three', op_nick: 'op3' })).toMatchObject({ status: 409, body: { errcode: 'BK_LINK_LIMIT' } });
  });

  it('lets one op answer one request at a time', async () => {
    const other = '!other:example.org';
    ops.allow(other, USER);
    const { reply } = await requestLink();
    expect(await call('POST', '/link', { ...linkBody, room_id: other })).toMatchObject({ status: 409, body: { errcode: 'BK_APPROVAL_PENDING' } });
    await provisioning.approvals.handlePrivateMessage(libera, 'ChanOp' as IrcNick, 'no');
    expect((await reply).status).toBe(403);
  });

  it('rolls the link back and answers 502 when setting it up fails', async () => {
    ops.failLink = new Error('cannot join #Matrix: banned');
    const { reply } = await requestLink();
    await provisioning.approvals.handlePrivateMessage(libera, 'ChanOp' as IrcNick, 'yes');
    expect(await reply).toMatchObject({ status: 502, body: { errcode: 'BK_LINK_FAILED', error: expect.stringContaining('banned') } });
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toEqual([]);
    expect(logLines.some((l) => l.startsWith('error Setting up an approved link failed'))).toBe(true);
  });
});

describe('POST /unlink', () => {
  const unlinkBody = { room_id: ROOM, network: 'libera', channel: '#matrix', user_id: USER };

  it('removes a provisioned link', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#Matrix', 'provisioning');
    expect(await call('POST', '/unlink', unlinkBody)).toEqual({ status: 200, body: {} });
    expect(ops.calls).toContain(`unlinkChannel ${ROOM} libera #Matrix`);
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toEqual([]);
  });

  it('leaves links made otherwise alone and answers 404 for missing ones', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#matrix', 'static');
    expect(await call('POST', '/unlink', unlinkBody)).toMatchObject({ status: 403, body: { errcode: 'BK_NOT_PROVISIONED' } });
    expect(await call('POST', '/unlink', { ...unlinkBody, channel: '#other' })).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toHaveLength(1);
  });

  it('checks the user like /link does', async () => {
    ops.linkInStore(asRoomId(ROOM), 'libera', '#matrix', 'provisioning');
    expect(await call('POST', '/unlink', { ...unlinkBody, user_id: '@carol:example.org' })).toMatchObject({ status: 403, body: { errcode: 'M_FORBIDDEN' } });
    expect(await call('POST', '/unlink', { ...unlinkBody, user_id: '@banned:example.org' })).toMatchObject({ status: 403 });
    expect(temp.store.sync.portals.byRoom(asRoomId(ROOM))).toHaveLength(1);
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status (the core\'s route counter)', async () => {
    await call('GET', '/network/libera');
    await call('GET', '/network/libera', undefined, {});
    await call('POST', '/link', {});
    const text = await metrics.metrics();
    expect(text).toContain('bridgekit_connector_route_requests_total{method="GET",route="/provision/v1/network/:network",status="200"} 1');
    expect(text).toContain('bridgekit_connector_route_requests_total{method="GET",route="/provision/v1/network/:network",status="401"} 1');
    expect(text).toContain('bridgekit_connector_route_requests_total{method="POST",route="/provision/v1/link",status="400"} 1');
  });
});
