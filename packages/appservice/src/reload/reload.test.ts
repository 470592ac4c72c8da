import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { Bridge } from '../bridge';
import { loadConfig } from '../config/load';
import { defineConfigSection } from '../config/section';
import type { Connector } from '../connector';
import { fakeHomeserver } from '../http/testing/bridge-fixtures';
import { generateRegistration } from '../registration/generate';

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });
const SECTION = defineConfigSection({ key: 'net', schema: Type.Object({ limit: Type.Integer({ minimum: 1, default: 5 }) }, { additionalProperties: false }) });

describe('Bridge.reload', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'reload-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the log level and the connector section, names what needs a restart, and refuses an invalid file keeping the old config', async () => {
    const path = join(dir, 'config.yaml');
    const write = (level: string, port: number, limit: unknown) => writeFileSync(path,
      `homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\nappservice: { port: ${port} }\ndatabase: { path: bridge.db }\nlogging: { level: ${level}, format: json }\nnet: { limit: ${JSON.stringify(limit)} }\n`);
    write('info', 18090, 5);
    const config = loadConfig(path, { sections: ['net'] });
    config.appservice.port = 0;
    const seen: number[] = [];
    const connector: Connector<{ limit: number }> = {
      name: 'net', configSection: SECTION, async start() {}, async stop() {}, async onMatrixEvent() {},
      async reload(section) {
        seen.push(section.limit);
        return { applied: ['net.limit'], needsRestart: [] };
      },
    };
    const lines: Array<Record<string, unknown>> = [];
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
    const bridge = new Bridge({ config, registration, connector: connector as Connector, dispatcher: fakeHomeserver(), logStream });
    await bridge.start();
    try {
      bridge.log.debug('before the reload');
      write('debug', 18091, 7);
      expect(await bridge.reload()).toEqual({ ok: true, problems: [], applied: ['logging.level', 'net.limit'], needsRestart: ['appservice.port'] });
      expect(seen).toEqual([7]);
      bridge.log.debug('after the reload');
      await new Promise((r) => setImmediate(r));
      expect(lines.some((l) => l.message === 'before the reload')).toBe(false);
      expect(lines.some((l) => l.message === 'after the reload')).toBe(true);
      expect(lines.find((l) => l.level === 'warn')).toMatchObject({ message: 'These changed settings need a restart to take effect: appservice.port' });

      write('error', 18091, 'many');
      const refused = await bridge.reload();
      expect(refused.ok).toBe(false);
      expect(refused.problems).toEqual([expect.stringMatching(/^net\.limit: /)]);
      expect(seen).toEqual([7]);
      bridge.log.debug('still debug after a refused reload');
      await new Promise((r) => setImmediate(r));
      expect(lines.some((l) => l.message === 'still debug after a refused reload')).toBe(true);
      expect(lines.find((l) => l.message === 'Config reload refused; the running config stays in effect')).toMatchObject({ level: 'error', problems: expect.any(Array) });
    } finally {
      await bridge.stop();
    }
  });
});
