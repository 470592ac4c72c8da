import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { MockAgent } from 'undici';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import type { Connector } from './connector';
import type { MatrixEvent } from './events';
import { generateRegistration } from './registration/generate';
import { usePostgresCluster } from './store/postgres/testing/jest';

// Unit tier: the whole core on a real, throwaway PostgreSQL cluster (database.url), with a fake
// homeserver in the transport. The whole IRC bridge on PostgreSQL is test/e2e/postgres.e2e.ts.

const pg = usePostgresCluster();
const registration = generateRegistration({ id: 'pgtest', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });

function fakeHomeserver(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  agent.get('http://127.0.0.1:9').intercept({ path: () => true, method: () => true })
    .reply(200, (opts) => (String(opts.path).includes('/ping') ? { duration_ms: 1 } : { event_id: '$sent' }), { headers: { 'content-type': 'application/json' } }).persist();
  return agent;
}

const event = (n: number) => ({
  event_id: `$e${n}`, room_id: '!r:hs.test', sender: '@alice:hs.test', type: 'm.room.message', origin_server_ts: n, content: { msgtype: 'm.text', body: `m${n}` },
});

async function push(port: number, txnId: string, events: unknown[]): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/_matrix/app/v1/transactions/${txnId}`, {
    method: 'PUT', headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }),
  });
  await res.text();
  return res.status;
}

describe('Bridge on PostgreSQL (database.url)', () => {
  let dir: string;
  let url: string;
  const handled: string[] = [];
  const connector: Connector = {
    name: 'test',
    migrations: [{ version: 1, description: 'a connector table', up: (db) => db.exec('CREATE TABLE test_things (id TEXT PRIMARY KEY)'), postgres: 'CREATE TABLE test_things (id TEXT PRIMARY KEY)' }],
    async start() {},
    async stop() {},
    async onMatrixEvent(e: MatrixEvent) { handled.push(e.eventId); },
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-pg-'));
    url = await pg.newDatabase();
    handled.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function makeBridge(logs: string[], onFatal?: (err: Error) => void): Bridge {
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { url: "${url}", pool_size: 3, statement_timeout_ms: 5000 }\n`, dir);
    config.appservice.port = 0;
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    return new Bridge({ config, registration, connector, dispatcher: fakeHomeserver(), logStream, ...(onFatal ? { onFatal } : {}) });
  }

  it('answers 200 once committed, dedupes across a restart, and gives 5xx while the database is down, never crashing', async () => {
    const logs: string[] = [];
    let bridge = makeBridge(logs);
    let { appservice } = await bridge.start();
    expect(await push(appservice.port, 't1', [event(1), event(2)])).toBe(200);
    await bridge.drain();
    expect(handled).toEqual(['$e1', '$e2']);

    // The database goes away: the push is refused (the homeserver keeps it and retries), the
    // bridge stays up, and once the server is back the retry is taken, handled once.
    pg.cluster().stopServer();
    try {
      expect(await push(appservice.port, 't2', [event(3)])).toBeGreaterThanOrEqual(500);
      expect(handled).toEqual(['$e1', '$e2']);
    } finally {
      pg.cluster().startServer();
    }
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await push(appservice.port, 't2', [event(3)]);
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    await bridge.drain();
    expect(handled).toEqual(['$e1', '$e2', '$e3']);
    expect(logs.join('')).toMatch(/Could not persist a transaction; answering 500/);
    await bridge.stop();

    // A restart on the same database: the homeserver's resend of t2 is a duplicate.
    bridge = makeBridge(logs);
    ({ appservice } = await bridge.start());
    expect(await push(appservice.port, 't2', [event(3)])).toBe(200);
    expect(await push(appservice.port, 't3', [event(3), event(4)])).toBe(200);
    await bridge.drain();
    expect(handled).toEqual(['$e1', '$e2', '$e3', '$e4']);
    expect((await bridge.readiness()).details.store).toBe('ok');
    await bridge.stop();
  }, 60_000);

  it('takes its store lock back after losing its connection, and stops (onFatal) when another process took it', async () => {
    const logs: string[] = [];
    const fatal: Error[] = [];
    const bridge = makeBridge(logs, (err) => fatal.push(err));
    const { appservice } = await bridge.start();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      const killLockHolder = () => admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
      await killLockHolder();
      await waitFor(() => logs.join('').includes('Took the store lock again'));
      expect(fatal).toEqual([]);
      expect(await push(appservice.port, 't1', [event(1)])).toBe(200);

      // Another process records itself as the holder while this one has lost the lock: going on
      // could bridge everything twice, so the bridge refuses pushes and asks to stop.
      await admin.query("UPDATE store_lock SET pid = pid + 1, command = 'another bridge'");
      await killLockHolder();
      await waitFor(() => fatal.length > 0);
      expect(logs.join('')).toMatch(/Lost the store lock for good/);
      expect(await push(appservice.port, 't2', [event(2)])).toBe(500);
    } finally {
      await admin.end();
      await bridge.stop();
    }
  }, 60_000);
});

async function waitFor(condition: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
