// The whole core in-process against a loopback homeserver stand-in: the bridge joins its policy
// room at start, reads its rules, hands them to the connector as ctx.moderation, applies a pushed
// rule change before the push is acknowledged, and /ready names a list it could not join.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Bridge } from '../bridge';
import { parseConfig } from '../config/load';
import type { BridgeContext, Connector } from '../connector';
import { asUserId } from '../ids';
import { generateRegistration } from '../registration/generate';

const registration = generateRegistration({ id: 'test', url: 'http://127.0.0.1:0', senderLocalpart: 'bot', userPrefix: '_t_', aliasPrefix: 't_', domain: 'hs.test' });
const LIST = '!list:hs.test';
const SPAMMER = asUserId('@spammer:hs.test');

describe('a bridge with moderation.policy_rooms', () => {
  let dir: string;
  let bridge: Bridge | undefined;
  let homeserver: Server | undefined;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'moderation-test-')); });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    homeserver?.closeAllConnections();
    await new Promise<void>((resolve) => (homeserver ? homeserver.close(() => resolve()) : resolve()));
    homeserver = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Answers the join of the list (or refuses it), the list's state, and anything else with `{}`. */
  async function startHomeserver(joinable: boolean): Promise<{ port: number; requests: string[] }> {
    const requests: string[] = [];
    homeserver = createServer((req, res) => {
      requests.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
      res.setHeader('content-type', 'application/json');
      const url = decodeURIComponent(req.url ?? '');
      if (url.includes('/join/#bans:hs.test')) {
        if (!joinable) {
          res.statusCode = 403;
          return res.end(JSON.stringify({ errcode: 'M_FORBIDDEN', error: 'You are not invited to this room.' }));
        }
        return res.end(JSON.stringify({ room_id: LIST }));
      }
      if (url.includes(`/rooms/${LIST}/state?`) || url.endsWith(`/rooms/${LIST}/state`)) {
        return res.end(JSON.stringify([
          { type: 'm.room.create', state_key: '', content: {}, event_id: '$create', sender: '@mod:hs.test' },
          { type: 'm.policy.rule.user', state_key: 'rule:spam', content: { entity: '@spam*:hs.test', recommendation: 'm.ban', reason: 'spam' }, event_id: '$rule', sender: '@mod:hs.test' },
        ]));
      }
      res.end(JSON.stringify(url.includes('/ping') ? { duration_ms: 1 } : {}));
    });
    await new Promise<void>((resolve) => homeserver!.listen(0, '127.0.0.1', resolve));
    return { port: (homeserver.address() as AddressInfo).port, requests };
  }

  async function startBridge(port: number): Promise<{ ctx: () => BridgeContext; appservice: number; ops: number }> {
    let ctx: BridgeContext | undefined;
    const connector: Connector = { name: 'net', async start(c) { ctx = c; }, async stop() {}, async onMatrixEvent() {} };
    const config = parseConfig(`homeserver: { url: "http://127.0.0.1:${port}", domain: hs.test }\ndatabase: { path: bridge.db }\nmetrics: { enabled: true }\nmoderation: { policy_rooms: ["#bans:hs.test"] }\n`, dir);
    config.appservice.port = 0;
    config.metrics.port = 0;
    bridge = new Bridge({ config, registration, connector, logStream: new PassThrough(), ping: { baseMs: 5, capMs: 20 } });
    const addresses = await bridge.start();
    return { ctx: () => ctx!, appservice: addresses.appservice.port, ops: addresses.ops!.port };
  }

  it('joins and reads the list before the connector starts, and applies a pushed removal before acknowledging the push', async () => {
    const hs = await startHomeserver(true);
    const { ctx, appservice, ops } = await startBridge(hs.port);
    expect(hs.requests).toEqual(expect.arrayContaining([expect.stringMatching(/^POST \/_matrix\/client\/v3\/join\/#bans:hs\.test/), expect.stringMatching(`^GET /_matrix/client/v3/rooms/${LIST}/state`)]));
    expect(ctx().moderation.isBanned(SPAMMER)).toMatchObject({ entity: '@spam*:hs.test', reason: 'spam', roomId: LIST });
    const ready = await (await fetch(`http://127.0.0.1:${ops}/ready`)).json() as { details: Record<string, unknown> };
    expect(ready.details.moderation).toEqual({ '#bans:hs.test': '1 rule' });

    const pushed = await fetch(`http://127.0.0.1:${appservice}/_matrix/app/v1/transactions/t1`, {
      method: 'PUT', headers: { authorization: `Bearer ${registration.hsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ type: 'm.policy.rule.user', state_key: 'rule:spam', content: {}, event_id: '$lift', room_id: LIST, sender: '@mod:hs.test', origin_server_ts: 1 }] }),
    });
    expect(pushed.status).toBe(200);
    expect(ctx().moderation.isBanned(SPAMMER)).toBeUndefined();
  });

  it('starts without a list it cannot join, and /ready names it', async () => {
    const hs = await startHomeserver(false);
    const { ctx, ops } = await startBridge(hs.port);
    expect(ctx().moderation.isBanned(SPAMMER)).toBeUndefined();
    const res = await fetch(`http://127.0.0.1:${ops}/ready`);
    const body = await res.json() as { notReady: string[]; details: Record<string, unknown> };
    expect(res.status).toBe(503);
    expect(body.notReady).toContain('moderation');
    expect(body.details.moderation).toEqual({ '#bans:hs.test': expect.stringMatching(/^not loaded: .*not invited/) });
  });
});
