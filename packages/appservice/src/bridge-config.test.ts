import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { Bridge } from './bridge';
import { parseConfig } from './config/load';
import { secretString } from './config/schema-helpers';
import { defineConfigSection } from './config/section';
import type { Connector } from './connector';
import { fakeHomeserver, recordingConnector, type Recorded } from './http/testing/bridge-fixtures';
import { generateRegistration } from './registration/generate';

// The whole core in-process (real SQLite, a homeserver in the transport): what the bridge does
// with its config and secrets, from the first line it logs.

describe('Bridge config and secrets', () => {
  let dir: string;
  const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });

  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'bridge-config-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('redacts the tokens and every secret a connector registers from its logs', async () => {
    const rec: Recorded = { events: [] };
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db }\n`, dir);
    config.appservice.port = 0;
    const logStream = new PassThrough();
    const lines: string[] = [];
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const bridge = new Bridge({ config, registration, connector: recordingConnector(rec), dispatcher: fakeHomeserver(), logStream });
    await bridge.start();
    rec.ctx!.addSecret('hunter2-irc-password');
    rec.ctx!.log.info(`IDENTIFY hunter2-irc-password for ${registration.asToken}`, { detail: `hs ${registration.hsToken}` });
    await bridge.stop();
    const text = lines.join('');
    expect(text).toContain('IDENTIFY');
    for (const secret of ['hunter2-irc-password', registration.asToken, registration.hsToken]) expect(text).not.toContain(secret);
  });

  it('fails to start on an unreachable database.url saying what to check, and never logs its password', async () => {
    const rec: Recorded = { events: [] };
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { url: "postgresql://bridge:pg-secret-pw@127.0.0.1:1/irc" }\n`, dir);
    const logStream = new PassThrough();
    const lines: string[] = [];
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const bridge = new Bridge({ config, registration, connector: recordingConnector(rec), dispatcher: fakeHomeserver(), logStream });
    const err = await bridge.start().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_OPEN_FAILED', message: expect.stringMatching(/Check database.url/) });
    expect((err as Error).message).not.toContain('pg-secret-pw');
    bridge.log.info(`connecting to ${config.database.postgres!.url}`);
    await bridge.stop();
    expect(rec.ctx).toBeUndefined();
    expect(lines.join('')).not.toContain('pg-secret-pw');
  });

  it("hands the connector its declared config section, typed, with the section's secrets redacted from the first line on", async () => {
    const section = defineConfigSection({
      key: 'chat',
      schema: Type.Object({ bot_token: secretString('bot token'), poll_seconds: Type.Integer({ default: 30 }) }, { additionalProperties: false }),
    });
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\ndatabase: { path: bridge.db }\nchat: { bot_token: xoxb-very-secret }\n`, dir);
    config.appservice.port = 0;
    const logStream = new PassThrough();
    const lines: string[] = [];
    logStream.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    let seen: { botToken: string; pollSeconds: number } | undefined;
    const connector: Connector<{ botToken: string; pollSeconds: number }> = {
      name: 'chat', configSection: section, stop: async () => undefined, onMatrixEvent: async () => undefined,
      async start(ctx) {
        seen = ctx.section;
        ctx.log.info(`logging in with ${ctx.section.botToken}`);
      },
    };
    const bridge = new Bridge({ config, registration, connector, dispatcher: fakeHomeserver(), logStream });
    await bridge.start();
    await bridge.stop();
    expect(seen).toEqual({ botToken: 'xoxb-very-secret', pollSeconds: 30 });
    expect(lines.join('')).toContain('logging in with');
    expect(lines.join('')).not.toContain('xoxb-very-secret');
  });

  it('refuses to build a bridge whose connector section is invalid, naming the key', () => {
    const section = defineConfigSection({ key: 'chat', schema: Type.Object({ poll_seconds: Type.Integer() }) });
    const config = parseConfig('homeserver: { url: "http://127.0.0.1:9", domain: hs.test }\nchat: { poll_seconds: soon }\n', dir);
    const connector: Connector<{ pollSeconds: number }> = { name: 'chat', configSection: section, start: async () => undefined, stop: async () => undefined, onMatrixEvent: async () => undefined };
    expect(() => new Bridge({ config, registration, connector, dispatcher: fakeHomeserver() })).toThrow(/chat\.poll_seconds: must be an integer \(got "soon"\)/);
  });
});
