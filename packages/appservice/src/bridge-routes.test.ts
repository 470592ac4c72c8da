import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import type { BridgeContext, Connector } from './connector';
import { fakeHomeserver } from './http/testing/bridge-fixtures';
import { generateRegistration } from './registration/generate';

// Unit tier: connector routes served by a whole Bridge, beside the AS API, with a fake homeserver.

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridge-routes-test-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function makeBridge(connector: Connector): Bridge {
  const config = parseConfig('homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\nappservice: { registration: reg.yaml }\ndatabase: { path: bridge.db }\n', dir);
  config.appservice.port = 0;
  return new Bridge({ config, registration, connector, dispatcher: fakeHomeserver(), logStream: new PassThrough() });
}

function connectorWith(start: (ctx: BridgeContext) => void, onStop: () => void = () => {}): Connector & { ctx?: BridgeContext } {
  const connector: Connector & { ctx?: BridgeContext } = {
    name: 'test',
    async start(ctx) { connector.ctx = ctx; start(ctx); },
    async stop() { onStop(); },
    async onMatrixEvent() {},
  };
  return connector;
}

describe('Bridge with connector routes', () => {
  it('serves them below /_bridgekit on the appservice port, beside the AS API, and on a listener of their own', async () => {
    const connector = connectorWith((ctx) => {
      ctx.routes.add({ method: 'POST', path: '/hook', auth: 'none', body: 'json', handler: (req) => ({ json: { got: req.body } }) });
      ctx.routes.listener('admin', { bindAddress: '127.0.0.1', port: 0 });
      ctx.routes.add({ method: 'GET', path: '/status', auth: { bearer: 'admin-secret-1' }, body: 'none', listener: 'admin', handler: () => ({ text: 'fine' }) });
    });
    const bridge = makeBridge(connector);
    const { appservice, routes } = await bridge.start();
    try {
      const hook = await fetch(`http://127.0.0.1:${appservice.port}/_bridgekit/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      expect(await hook.json()).toEqual({ got: { text: 'hi' } });
      // The AS API still answers as before: a transaction without the hs_token is refused.
      expect((await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1/transactions/t1`, { method: 'PUT', body: '{}' })).status).toBe(401);
      const status = await fetch(`http://127.0.0.1:${routes!.admin!.port}/_bridgekit/status`, { headers: { authorization: 'Bearer admin-secret-1' } });
      expect(await status.text()).toBe('fine');
      // A route lives only on the listener it was added to.
      expect((await fetch(`http://127.0.0.1:${appservice.port}/_bridgekit/status`)).status).toBe(404);
      expect(() => connector.ctx!.routes.add({ method: 'GET', path: '/late', auth: 'none', body: 'none', handler: () => ({ status: 204 }) }))
        .toThrow(/routes are added in Connector.start\(\)/);
    } finally {
      await bridge.stop();
    }
    await expect(fetch(`http://127.0.0.1:${appservice.port}/_bridgekit/hook`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${routes!.admin!.port}/_bridgekit/status`)).rejects.toThrow();
  });

  it('at stop, lets a running route request finish before the connector stops', async () => {
    const order: string[] = [];
    let release!: () => void;
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => { arrived = resolve; });
    const connector = connectorWith((ctx) => {
      ctx.routes.add({
        method: 'POST', path: '/slow', auth: 'none', body: 'none',
        handler: async () => {
          arrived();
          await new Promise<void>((resolve) => { release = resolve; });
          order.push('route answered');
          return { json: {} };
        },
      });
    }, () => order.push('connector stopped'));
    const bridge = makeBridge(connector);
    const { appservice } = await bridge.start();
    const slow = fetch(`http://127.0.0.1:${appservice.port}/_bridgekit/slow`, { method: 'POST' });
    await inHandler;
    const stopping = bridge.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]);
    const releasedAt = Date.now();
    release();
    expect((await slow).status).toBe(200);
    await stopping;
    expect(order).toEqual(['route answered', 'connector stopped']);
    // The request's keep-alive socket closes once it is answered, not a keep-alive timeout (5 s) later.
    expect(Date.now() - releasedAt).toBeLessThan(1000);
  });
});
