import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import type { BridgeContext, Connector } from './connector';
import { MatrixError } from './csapi/errors';
import { BridgeError } from './errors/bridge-error';
import { fakeHomeserver, homeserverRequests, ok, recordingConnector, sentMessages, type Recorded } from './http/testing/bridge-fixtures';
import { InvalidUserIdError } from './ghosts/localpart';
import { generateRegistration } from './registration/generate';
import type { Registration } from './registration/types';

// Unit tier: the whole core wired together in-process, with a real SQLite file and a fake
// homeserver (a MockAgent in the transport). The real Synapse is exercised by the e2e tier.

describe('Bridge (unit: in-process, real SQLite, fake homeserver)', () => {
  let dir: string;
  const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });

  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridge-test-')); homeserverRequests.length = 0; sentMessages.clear(); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function makeBridge(connector: Connector, logStream: NodeJS.WritableStream = new PassThrough(), reg: Registration = registration, echoAnswerHoldMs?: number) {
    const config = parseConfig(
      `homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\nappservice: { registration: reg.yaml }\ndatabase: { path: bridge.db }\ningest: { max_attempts: 2 }\n`,
      dir,
    );
    config.appservice.port = 0; // any free port
    return new Bridge({ config, registration: reg, connector, dispatcher: fakeHomeserver(), logStream, ...(echoAnswerHoldMs !== undefined ? { echoAnswerHoldMs } : {}) });
  }

  const event = (n: number, room = '!r:hs.test', sender = '@alice:hs.test') => ({
    event_id: `$e${n}`, room_id: room, sender, type: 'm.room.message', origin_server_ts: n, content: { msgtype: 'm.text', body: `m${n}` },
  });

  async function push(port: number, txnId: string, events: unknown[]) {
    return fetch(`http://127.0.0.1:${port}/_matrix/app/v1/transactions/${txnId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
  }

  it('hands pushed events to the connector in order, filters echoes, and dedupes a txnId across a restart', async () => {
    const rec: Recorded = { events: [] };
    let bridge = makeBridge(recordingConnector(rec));
    let { appservice } = await bridge.start();
    expect((await push(appservice.port, 't1', [event(1), event(2, '!r:hs.test', '@_t_ghost:hs.test'), event(3)])).status).toBe(200);
    await bridge.drain();
    expect(rec.events.map((e) => e.eventId)).toEqual(['$e1', '$e3']);
    expect(rec.ctx!.store.db!.prepare("SELECT name FROM sqlite_master WHERE name = 'test_things'").get()).toBeDefined();
    await bridge.stop();

    rec.events = [];
    bridge = makeBridge(recordingConnector(rec));
    ({ appservice } = await bridge.start());
    expect((await push(appservice.port, 't1', [event(1), event(3)])).status).toBe(200);
    expect((await push(appservice.port, 't2', [event(3), event(4)])).status).toBe(200);
    await bridge.drain();
    expect(rec.events.map((e) => e.eventId)).toEqual(['$e4']);
    await bridge.stop();
  });

  it('resumes events accepted before a stop that interrupted their handling', async () => {
    const rec: Recorded = { events: [] };
    let release!: () => void;
    const blocked = new Promise<void>((r) => { release = r; });
    const bridge = makeBridge(recordingConnector(rec, () => blocked));
    const { appservice } = await bridge.start();
    expect((await push(appservice.port, 't1', [event(1), event(2)])).status).toBe(200);
    // Simulate a crash: the store keeps both events pending; nothing was handled.
    const journal = (bridge as unknown as { store: { journal: { pending(): unknown[] } } }).store.journal;
    expect(journal.pending()).toHaveLength(2);
    release();
    await bridge.stop();

    const rec2: Recorded = { events: [] };
    const again = makeBridge(recordingConnector(rec2));
    await again.start();
    await again.drain();
    // Whatever the first run did not finish, the second does; nothing is handled twice overall.
    expect([...rec.events, ...rec2.events].map((e) => e.eventId).sort()).toEqual(['$e1', '$e2']);
    await again.stop();
  });

  it('holds the answer to an echo-only push while a handler still runs', async () => {
    const HOLD_MS = 1_000;
    let release!: () => void;
    const blocked = new Promise<void>((r) => { release = r; });
    const bridge = makeBridge(recordingConnector({ events: [] }, () => blocked), new PassThrough(), registration, HOLD_MS);
    const { appservice } = await bridge.start();
    try {
      expect((await push(appservice.port, 't1', [event(1)])).status).toBe(200); // its handler now blocks: the ingest is busy
      const started = performance.now();
      let answered = false;
      const held = push(appservice.port, 't2', [event(2, '!r:hs.test', '@_t_ghost:hs.test')]).then((res) => { answered = true; return res; });
      await new Promise((r) => setTimeout(r, 200));
      expect(answered).toBe(false);
      expect((await held).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(HOLD_MS - 50);
    } finally {
      release();
      await bridge.stop();
    }
  });

  it('tells the sender in the room when a handler fails for good with a notifySender error', async () => {
    const rec: Recorded = { events: [] };
    const bridge = makeBridge(recordingConnector(rec, async () => {
      throw new BridgeError('REMOTE_REJECTED', 'irc.example: 404 ERR_CANNOTSENDTOCHAN #chan (+m)', {
        notifySender: true, retriable: false, userMessage: '#chan is moderated, so your message was not sent.',
      });
    }));
    const { appservice } = await bridge.start();
    await push(appservice.port, 't1', [event(1)]);
    await bridge.drain();
    await bridge.stop();
    const notice = homeserverRequests.find((r) => r.includes('/send/m.room.message/'));
    expect(notice).toContain('PUT http://127.0.0.1:9/_matrix/client/v3/rooms/!r%3Ahs.test/send/m.room.message/');
    expect([...sentMessages.values()]).toEqual([
      {
        msgtype: 'm.notice',
        body: '@alice:hs.test: #chan is moderated, so your message was not sent.',
        format: 'org.matrix.custom.html',
        formatted_body: '<a href="https://matrix.to/#/@alice:hs.test">@alice:hs.test</a>: #chan is moderated, so your message was not sent.',
        'm.mentions': { user_ids: ['@alice:hs.test'] },
        'm.relates_to': { 'm.in_reply_to': { event_id: '$e1' } },
      },
    ]);
  });

  it("puts a failed send's endpoint, status and errcode in the log, and only a short sentence in the room", async () => {
    const rec: Recorded = { events: [] };
    const logStream = new PassThrough();
    const lines: string[] = [];
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const endpoint = 'PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}';
    const bridge = makeBridge(recordingConnector(rec, async () => {
      throw new MatrixError('M_FORBIDDEN', 403, 'User @_t_ghost:hs.test not in room !r:hs.test', endpoint);
    }), logStream);
    const { appservice } = await bridge.start();
    await push(appservice.port, 't1', [event(1)]);
    await bridge.drain();
    await bridge.stop();

    const bodies = [...sentMessages.values()].map((m) => String(m.body));
    expect(bodies).toEqual(["@alice:hs.test: The message could not be delivered; an admin can find the details in the bridge's log."]);
    for (const body of bodies) {
      expect(body).not.toMatch(/\/_matrix|\{roomId\}|PUT/); // no path
      expect(body).not.toMatch(/\b[1-5]\d\d\b/); // no status code
      expect(body).not.toMatch(/\bM_[A-Z_]+/); // no Matrix errcode
      expect(body).not.toContain('not in room'); // not the homeserver's own text
      expect(body.replace('@alice:hs.test: ', '')).not.toContain(':hs.test'); // no other user or room named
    }
    const told = lines.filter((l) => l.includes('Telling the sender that their event was not bridged'));
    expect(told).toHaveLength(1);
    for (const detail of [endpoint, '403', 'M_FORBIDDEN', 'User @_t_ghost:hs.test not in room !r:hs.test', '$e1', 'CSAPI_REJECTED']) expect(told[0]).toContain(detail);
  });

  it('rejects a push with the wrong hs_token and queues nothing', async () => {
    const rec: Recorded = { events: [] };
    const bridge = makeBridge(recordingConnector(rec));
    const { appservice } = await bridge.start();
    const res = await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1/transactions/x`, {
      method: 'PUT', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' }, body: JSON.stringify({ events: [event(1)] }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ errcode: 'M_FORBIDDEN' });
    await bridge.drain();
    expect(rec.events).toHaveLength(0);
    await bridge.stop();
  });

  it('logs its version at start, and pings the homeserver until it answers, then says so with the duration', async () => {
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db }\nlogging: { format: json }\n`, dir);
    config.appservice.port = 0;
    const logStream = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    logStream.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
    let pings = 0;
    // The homeserver is "starting": three pings fail (502, as Synapse answers for a bridge it cannot reach yet), the fourth works.
    const slowHomeserver = fakeHomeserver((path) => {
      if (!path.includes('/ping')) return ok(path);
      pings++;
      return pings <= 3
        ? { statusCode: 502, data: JSON.stringify({ errcode: 'M_AS_PING_CONNECTION_FAILED', error: 'not yet' }) }
        : { statusCode: 200, data: JSON.stringify({ duration_ms: 3 }) };
    });
    const reached = new Promise<Record<string, unknown>>((resolve) => logStream.on('data', () => {
      const line = lines.find((l) => l.message === 'Homeserver reached the bridge');
      if (line) resolve(line);
    }));
    const bridge = new Bridge({
      config, registration, connector: recordingConnector({ events: [] }), dispatcher: slowHomeserver, logStream, version: '9.8.7', ping: { baseMs: 1, capMs: 2 },
    });
    await bridge.start();
    try {
      expect(lines[0]).toMatchObject({ level: 'info', message: 'Starting the bridge', connector: 'test', version: '9.8.7', coreVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      await expect(reached).resolves.toMatchObject({ level: 'info', durationMs: 3, attempts: 4 });
      expect(pings).toBe(4);
      // The cause is told once, not once per attempt.
      expect(lines.filter((l) => l.level === 'warn' && String(l.message).includes('cannot reach the bridge'))).toHaveLength(1);
    } finally {
      await bridge.stop();
    }
  });

  it('refuses a second bridge on the same database before its connector starts, naming the first', async () => {
    const first = makeBridge(recordingConnector({ events: [] }));
    await first.start();
    try {
      let started = false;
      const second = makeBridge({ ...recordingConnector({ events: [] }), start: async () => { started = true; } });
      await expect(second.start()).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringContaining(`pid ${process.pid} on host `) });
      expect(started).toBe(false);
      await second.stop();
    } finally {
      await first.stop();
    }
  });

  it('journals what the network says while the connector stops, and delivers it at the next start with the txnId it got', async () => {
    const delivered: Array<{ text: string; txnId: string }> = [];
    const networkConnector = (sayOnStop: boolean): Connector => {
      let ctx: BridgeContext | undefined;
      return {
        name: 'test',
        async start(c) {
          ctx = c;
          c.outbox.define<string>('line', async ({ payload, txnId }) => {
            await c.intent(c.userId('_t_remote')).sendMessage('!r:hs.test' as never, { msgtype: 'm.text', body: payload }, { txnId });
            delivered.push({ text: payload, txnId });
          });
        },
        // A network line read during the shutdown (e.g. while IRC connections QUIT).
        async stop() { if (sayOnStop) void ctx!.outbox.enqueue('!r:hs.test', 'line', 'said while stopping'); },
        async onMatrixEvent() {},
      };
    };
    const first = makeBridge(networkConnector(true));
    await first.start();
    await first.stop();
    expect(delivered).toEqual([]);

    const second = makeBridge(networkConnector(false));
    await second.start();
    await second.drain();
    await second.stop();
    expect(delivered.map((d) => d.text)).toEqual(['said while stopping']);
    const sendUrl = [...sentMessages.keys()].find((url) => sentMessages.get(url)?.body === 'said while stopping')!;
    expect(decodeURIComponent(sendUrl)).toContain(`/send/m.room.message/${delivered[0]!.txnId}`);
  });

  it('gives the connector ghosts under the registration\'s prefix, writing a profile only when it changed', async () => {
    const rec: Recorded = { events: [] };
    const bridge = makeBridge(recordingConnector(rec));
    await bridge.start();
    try {
      const ghosts = rec.ctx!.ghosts;
      expect(ghosts.prefix).toBe('_t_');
      const bob = await ghosts.intentFor({ network: 'web', remoteId: 'Bob', profile: { displayName: 'Bob' } });
      expect(bob.userId).toBe('@_t_web__bob:hs.test');
      const profileWrites = () => homeserverRequests.filter((r) => r.startsWith('PUT') && r.includes('/profile/')).length;
      expect(profileWrites()).toBe(1);
      await ghosts.intentFor({ network: 'web', remoteId: 'Bob', profile: { displayName: 'Bob' } });
      expect(profileWrites()).toBe(1);
      await expect(ghosts.remoteOf(bob.userId)).resolves.toMatchObject({ network: 'web', remoteId: 'Bob' });
    } finally {
      await bridge.stop();
    }
  });

  it('refuses a localpart the homeserver would refuse, before any request', async () => {
    const rec: Recorded = { events: [] };
    const bridge = makeBridge(recordingConnector(rec));
    await bridge.start();
    try {
      const before = homeserverRequests.length;
      expect(() => rec.ctx!.userId('Not Valid')).toThrow(InvalidUserIdError);
      expect(() => rec.ctx!.userId('x'.repeat(250))).toThrow(/at most 255/);
      expect(rec.ctx!.userId('_t_fine')).toBe('@_t_fine:hs.test');
      expect(homeserverRequests.slice(before).filter((r) => !r.includes('/ping'))).toEqual([]);
    } finally {
      await bridge.stop();
    }
  });

  it('refuses to start when the ghosts\' prefix cannot be read from the user namespace, unless the connector names it', async () => {
    const ambiguous: Registration = { ...registration, namespaces: { ...registration.namespaces, users: [{ exclusive: true, regex: '@(_a_|_b_).*:hs\\.test' }] } };
    let started = false;
    const refused = makeBridge({ ...recordingConnector({ events: [] }), start: async () => { started = true; } }, new PassThrough(), ambiguous);
    await expect(refused.start()).rejects.toMatchObject({ code: 'GHOST_NAMESPACE_UNDERIVABLE', message: expect.stringContaining('ghostPrefix') });
    expect(started).toBe(false);
    await refused.stop();

    const rec: Recorded = { events: [] };
    const named = makeBridge({ ...recordingConnector(rec), ghostUserIds: { prefix: '_b_' } }, new PassThrough(), ambiguous);
    await named.start();
    try {
      expect(rec.ctx!.ghosts.userIdFor({ network: 'web', remoteId: 'x' })).toBe('@_b_web_x:hs.test');
    } finally {
      await named.stop();
    }
  });

  it('routes typed events to capabilities, answers a reaction once, and feeds the member cache from pushes', async () => {
    const seen: string[] = [];
    let ctx: BridgeContext | undefined;
    const connector: Connector = {
      name: 'typed',
      async start(c) { ctx = c; },
      async stop() {},
      async onMessage(e) { seen.push(`${e.msgtype}: ${e.body} (from ${await ctx!.members.displayName(e.roomId, e.sender)})`); },
    };
    const bridge = makeBridge(connector);
    const { appservice } = await bridge.start();
    const member = { event_id: '$j', room_id: '!r:hs.test', sender: '@alice:hs.test', type: 'm.room.member', state_key: '@alice:hs.test', origin_server_ts: 1, content: { membership: 'join', displayname: 'Alice' } };
    const reaction = (k: number) => ({ event_id: `$r${k}`, room_id: '!r:hs.test', sender: '@alice:hs.test', type: 'm.reaction', origin_server_ts: 2, content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: '$e1', key: String(k) } } });
    await push(appservice.port, 't1', [member, event(1), reaction(1), reaction(2), event(2)]);
    await bridge.drain();
    await bridge.stop();
    expect(seen).toEqual(['m.text: m1 (from Alice)', 'm.text: m2 (from Alice)']);
    expect(homeserverRequests.filter((r) => r.includes('/state/'))).toEqual([]); // the push answered it
    expect([...sentMessages.values()].map((m) => m.body)).toEqual(['@alice:hs.test: Reactions are not bridged, so the other side did not see yours.']);
    const metrics = await bridge.metrics.registry.getSingleMetricAsString('bridgekit_events_unsupported_total');
    expect(metrics).toContain('bridgekit_events_unsupported_total{kind="reaction",outcome="told"} 1');
    expect(metrics).toContain('bridgekit_events_unsupported_total{kind="reaction",outcome="quiet"} 1');
  });
});
