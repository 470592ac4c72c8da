import { Gauge, Registry } from 'prom-client';
import { HomeserverStatus } from './homeserver-status';
import { readinessReport } from './readiness';

describe('readinessReport', () => {
  const connected = { name: 'irc', readiness: { ready: true, details: { networks: { libera: 'connected' } } } };

  it('is ready only when the store is open, the homeserver answered the ping, and the connector is ready', () => {
    expect(readinessReport({ store: 'ok', homeserver: { ping: 'reached', reachable: true, since: 0 }, connector: connected })).toEqual({
      ok: true, notReady: [], details: { store: 'ok', homeserver: 'ok', irc: { networks: { libera: 'connected' } } },
    });
  });

  it('names every part that is not ready', () => {
    const report = readinessReport({
      store: 'The database connection is not open',
      homeserver: { ping: 'pending' },
      connector: { name: 'irc', readiness: { ready: false, details: { networks: { libera: 'backoff' } } } },
    });
    expect(report).toEqual({
      ok: false,
      notReady: ['store', 'homeserver', 'irc'],
      details: {
        store: 'The database connection is not open',
        homeserver: 'waiting for the homeserver to answer the start-up ping',
        irc: { networks: { libera: 'backoff' } },
      },
    });
  });

  it('is not ready while the homeserver stopped answering, even after the ping had worked', () => {
    const report = readinessReport({ store: 'ok', homeserver: { ping: 'reached', reachable: false, since: Date.UTC(2026, 0, 2, 3, 4, 5) } });
    expect(report.notReady).toEqual(['homeserver']);
    expect(report.details.homeserver).toBe('unreachable since 2026-01-02T03:04:05.000Z');
  });

  it('does not hold readiness back for ever on a homeserver without the ping endpoint, and says the tokens are unproved', () => {
    const report = readinessReport({ store: 'ok', homeserver: { ping: 'unsupported' } });
    expect(report.ok).toBe(true);
    expect(report.details.homeserver).toMatch(/no appservice ping; tokens not proved/);
  });
});

describe('HomeserverStatus', () => {
  it('follows each answered or unanswered request on the reachability gauge, and remembers since when', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'reachable_test', help: 'x', registers: [registry] });
    let now = 1000;
    const status = new HomeserverStatus(gauge, () => now);
    expect(status.snapshot()).toEqual({ ping: 'pending' });
    status.observe(false);
    now = 2000;
    status.observe(false);
    expect(status.snapshot()).toEqual({ ping: 'pending', reachable: false, since: 1000 });
    expect((await gauge.get()).values[0]?.value).toBe(0);
    status.pingSettled('reached');
    expect(status.snapshot()).toEqual({ ping: 'reached', reachable: true, since: 2000 });
    expect((await gauge.get()).values[0]?.value).toBe(1);
    status.pingSettled('stopped');
    expect(status.snapshot().ping).toBe('reached');
  });
});
