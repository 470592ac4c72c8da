import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import type { ReadinessReport } from '../health/readiness';
import { createOpsApp, type HealthReport } from './ops-app';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function start(health: () => HealthReport | Promise<HealthReport>, ready?: () => ReadinessReport) {
  const registry = new Registry();
  new Counter({ name: 'bridgekit_test_total', help: 'a test counter', registers: [registry] }).inc(3);
  const app = createOpsApp({ metricsRegistry: registry, health, ...(ready ? { ready } : {}) });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('ops app', () => {
  it('serves Prometheus text on /metrics', async () => {
    const base = await start(() => ({ ok: true, details: {} }));
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('bridgekit_test_total 3');
  });

  it('answers /health with 200 when ok and 503 when not', async () => {
    let report: HealthReport = { ok: true, details: { store: 'ok' } };
    const base = await start(async () => report);
    let res = await fetch(`${base}/health`);
    expect([res.status, await res.json()]).toEqual([200, { ok: true, details: { store: 'ok' } }]);
    report = { ok: false, details: { homeserver: 'unreachable' } };
    res = await fetch(`${base}/health`);
    expect([res.status, await res.json()]).toEqual([503, { ok: false, details: { homeserver: 'unreachable' } }]);
  });

  it('answers 503 when the health check throws', async () => {
    const base = await start(() => { throw new Error('store closed'); });
    const res = await fetch(`${base}/health`);
    expect([res.status, await res.json()]).toEqual([503, { ok: false, details: { error: 'store closed' } }]);
  });

  it('answers /ready with 200 when ready, 503 naming what is not, and 503 when the check throws; 404 without a readiness check', async () => {
    let report: ReadinessReport | Error = { ok: true, notReady: [], details: { store: 'ok' } };
    const base = await start(() => ({ ok: true, details: {} }), () => {
      if (report instanceof Error) throw report;
      return report;
    });
    let res = await fetch(`${base}/ready`);
    expect([res.status, await res.json()]).toEqual([200, { ok: true, notReady: [], details: { store: 'ok' } }]);
    report = { ok: false, notReady: ['irc'], details: { irc: { networks: { libera: 'backoff' } } } };
    res = await fetch(`${base}/ready`);
    expect([res.status, await res.json()]).toEqual([503, report]);
    report = new Error('boom');
    res = await fetch(`${base}/ready`);
    expect([res.status, await res.json()]).toEqual([503, { ok: false, notReady: ['bridge'], details: { error: 'boom' } }]);
    server!.close();
    const without = await start(() => ({ ok: true, details: {} }));
    expect((await fetch(`${without}/ready`)).status).toBe(404);
  });
});
