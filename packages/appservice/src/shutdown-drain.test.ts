import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import type { Connector } from './connector';
import { fakeHomeserver } from './http/testing/bridge-fixtures';
import { generateRegistration } from './registration/generate';

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });
const event = (n: number) => ({ event_id: `$e${n}`, room_id: '!r:hs.test', sender: '@a:hs.test', type: 'm.room.message', origin_server_ts: n, content: { msgtype: 'm.text', body: `m${n}` } });

describe('shutdown.drain_seconds', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'drain-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function runAndStop(drainSeconds: number): Promise<{ handled: string[]; tookMs: number; config: ReturnType<typeof parseConfig> }> {
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db }\nshutdown: { drain_seconds: ${drainSeconds} }\n`, dir);
    config.appservice.port = 0;
    const handled: string[] = [];
    const slow: Connector = {
      name: 'test', async start() {}, async stop() {},
      async onMatrixEvent(e) {
        await new Promise((resolve) => setTimeout(resolve, 600));
        handled.push(e.eventId);
      },
    };
    const bridge = new Bridge({ config, registration, connector: slow, dispatcher: fakeHomeserver(), logStream: new PassThrough() });
    const { appservice } = await bridge.start();
    const pushed = await fetch(`http://127.0.0.1:${appservice.port}/_matrix/app/v1/transactions/t1`, {
      method: 'PUT', headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [event(1), event(2)] }),
    });
    expect(pushed.status).toBe(200);
    const started = Date.now();
    await bridge.stop();
    return { handled, tookMs: Date.now() - started, config };
  }

  it('bounds how long a stop waits for queued work: what is left stays in the journal and is handled at the next start', async () => {
    const { handled, tookMs, config } = await runAndStop(0.3);
    expect(config.shutdown.drainMs).toBe(300);
    // The first event was running: it finishes; the second never starts.
    expect(handled).toEqual(['$e1']);
    expect(tookMs).toBeLessThan(1100);

    const again: string[] = [];
    const next = new Bridge({
      config, registration, dispatcher: fakeHomeserver(), logStream: new PassThrough(),
      connector: { name: 'test', async start() {}, async stop() {}, async onMatrixEvent(e) { again.push(e.eventId); } },
    });
    await next.start();
    await next.drain();
    await next.stop();
    expect(again).toEqual(['$e2']);
  });

  it('waits for all of it when the bound allows', async () => {
    const { handled } = await runAndStop(5);
    expect(handled).toEqual(['$e1', '$e2']);
  });
});
