import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { Bridge } from '../bridge';
import { parseConfig } from '../config/load';
import type { BridgeContext, Connector } from '../connector';
import { asRoomId } from '../ids';
import { generateRegistration } from '../registration/generate';
import { CORE_VERSION } from '../version';
import { freePort } from '../testing/ports';

// The whole core in-process with the ops listener on: /health, /ready and the gauges as a
// probe or Prometheus reads them, against a fake homeserver that is down until told otherwise.

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });

describe('/health, /ready and the operations gauges', () => {
  let dir: string;
  let bridge: Bridge | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'readiness-test-')); });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is live at once, ready only after the homeserver answered the ping and the connector is ready, and unready again while the homeserver is away', async () => {
    // A real port that refuses connections while the homeserver is "down" (the transport's own
    // network errors), and answers every request while it is up.
    const homeserver = await switchableHomeserver();
    let botConnected = false;
    let ctx: BridgeContext | undefined;
    const connector: Connector = {
      name: 'net',
      async start(c) { ctx = c; },
      async stop() {},
      async onMatrixEvent() {},
      readiness: () => ({ ready: botConnected, details: { bot: botConnected ? 'connected' : 'connecting' } }),
    };
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:${homeserver.port}", domain: hs.test }\ndatabase: { path: bridge.db }\nmetrics: { enabled: true }\n`, dir);
    config.appservice.port = 0;
    config.metrics.port = 0;
    bridge = new Bridge({ config, registration, connector, logStream: new PassThrough(), version: '1.2.3', ping: { baseMs: 5, capMs: 20 } });
    const { ops, appservice } = await bridge.start();
    const base = `http://127.0.0.1:${ops!.port}`;
    // /health and /ready answer JSON; /metrics is Prometheus text, read through `scrape`.
    const get = async (path: '/health' | '/ready') => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const scrape = async () => (await fetch(`${base}/metrics`)).text();

    expect(await get('/health')).toMatchObject({ status: 200, body: { ok: true } });
    expect(await get('/ready')).toEqual({
      status: 503,
      body: {
        ok: false,
        notReady: ['homeserver', 'net'],
        details: { store: 'ok', homeserver: expect.stringMatching(/^unreachable since |^waiting for the homeserver/), net: { bot: 'connecting' } },
      },
    });
    expect(await scrape()).toContain('bridgekit_homeserver_reachable 0');

    await homeserver.up();
    await waitFor(async () => (await get('/ready')).body.notReady, ['net']);
    botConnected = true;
    expect(await get('/ready')).toEqual({ status: 200, body: { ok: true, notReady: [], details: { store: 'ok', homeserver: 'ok', net: { bot: 'connected' } } } });

    const metrics = await scrape();
    expect(metrics).toContain(`bridgekit_build_info{version="1.2.3",core_version="${CORE_VERSION}"} 1`);
    expect(metrics).toContain('bridgekit_homeserver_reachable 1');
    expect(metrics).toContain('bridgekit_last_transaction_timestamp_seconds 0');

    const before = Date.now() / 1000;
    const pushed = await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1/transactions/t1`, {
      method: 'PUT', headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ events: [] }),
    });
    expect(pushed.status).toBe(200);
    const last = Number(/bridgekit_last_transaction_timestamp_seconds ([\d.e+]+)/.exec(await scrape())?.[1]);
    expect(last).toBeGreaterThanOrEqual(before - 1);

    // The homeserver goes away: the next request finds out, and the ping is kept up until it is back.
    await homeserver.down();
    const sending = ctx!.bot.sendMessage(asRoomId('!r:hs.test'), { msgtype: 'm.text', body: 'hello' }).catch(() => undefined);
    await waitFor(async () => (await get('/ready')).body.notReady, ['homeserver']);
    expect((await get('/ready')).body.details).toMatchObject({ homeserver: expect.stringMatching(/^unreachable since /) });
    expect(await scrape()).toContain('bridgekit_homeserver_reachable 0');
    await homeserver.up();
    await waitFor(async () => (await get('/ready')).status, 200);
    await sending;
    expect(await scrape()).toContain('bridgekit_homeserver_reachable 1');
    await bridge.stop();
    bridge = undefined;
    await homeserver.down();
  });
});

/** A homeserver on a fixed loopback port that can be taken down (connections refused) and brought back. */
async function switchableHomeserver(): Promise<{ port: number; up(): Promise<void>; down(): Promise<void> }> {
  const port = await freePort();
  let server: Server | undefined;
  return {
    port,
    up: async () => {
      server = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(req.url?.includes('/ping') ? { duration_ms: 2 } : { event_id: '$x' }));
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    down: async () => {
      if (!server) return;
      const closing = server;
      server = undefined;
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

async function waitFor<T>(probe: () => Promise<T>, expected: T, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (JSON.stringify(last) === JSON.stringify(expected)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`still ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
}
