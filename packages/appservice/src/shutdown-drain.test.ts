import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import type { Connector } from './connector';
import { generateRegistration } from './registration/generate';

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });
const homeserver: typeof fetch = async () => new Response(JSON.stringify({ duration_ms: 1 }), { status: 200 });

describe('shutdown.drain_seconds', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'drain-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bounds how long a stop waits for a handler that does not finish, and the event is handled at the next start', async () => {
    const config = parseConfig('homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db }\nshutdown: { drain_seconds: 0.3 }\n', dir);
    config.appservice.port = 0;
    expect(config.shutdown.drainMs).toBe(300);
    let release: () => void = () => undefined;
    const handled: string[] = [];
    const stuck: Connector = {
      name: 'test', async start() {}, async stop() { release(); },
      onMatrixEvent: (event) => new Promise<void>((resolve) => { release = resolve; }).then(() => { throw new Error(`interrupted ${event.eventId}`); }),
    };
    const bridge = new Bridge({ config, registration, connector: stuck, fetch: homeserver, logStream: new PassThrough() });
    const { appservice } = await bridge.start();
    const pushed = await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1/transactions/t1`, {
      method: 'PUT', headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ event_id: '$e1', room_id: '!r:hs.test', sender: '@a:hs.test', type: 'm.room.message', origin_server_ts: 1, content: { msgtype: 'm.text', body: 'x' } }] }),
    });
    expect(pushed.status).toBe(200);
    const started = Date.now();
    await bridge.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);

    const again = new Bridge({
      config, registration, fetch: homeserver, logStream: new PassThrough(),
      connector: { name: 'test', async start() {}, async stop() {}, async onMatrixEvent(event) { handled.push(event.eventId); } },
    });
    await again.start();
    await again.drain();
    await again.stop();
    expect(handled).toEqual(['$e1']);
  });
});
