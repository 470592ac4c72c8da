/**
 * examples/slack-webhook against the real Synapse: an incoming webhook appears in a Matrix room
 * as a ghost named after `username`, and a Matrix user's message reaches a loopback receiver as
 * Slack's outgoing-webhook form. The example runs in-process on the examples' own registration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Bridge, loadRegistration, parseConfig } from '@bridgekit/appservice';
import { SlackWebhookConnector } from '../../examples/slack-webhook/src/index';
import { readE2eEnv } from './harness/env';
import { appservicePing, MatrixClient, registerUser } from './harness/matrix-client';
import { pollUntil } from './harness/wait';

const TOKEN = 'e2e-incoming-0123456789abcdef';

describe('examples/slack-webhook with Synapse', () => {
  const received: Array<Record<string, string>> = [];
  let receiver: Server;
  let bridge: Bridge | undefined;
  let dir: string;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        received.push(Object.fromEntries(new URLSearchParams(body)));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    dir = mkdtempSync(join(readE2eEnv().runDir, 'slack-'));
  });

  afterAll(async () => {
    await bridge?.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries a webhook into the room and the room back out to a webhook', async () => {
    const env = readE2eEnv();
    const alice = await registerUser();
    const client = new MatrixClient(alice);
    await client.setDisplayName('Alice');
    const roomId = await client.createRoom({ preset: 'public_chat' });

    const config = parseConfig(JSON.stringify({
      homeserver: { url: env.homeserver.url, domain: env.homeserver.serverName },
      appservice: { registration: env.examples.registrationPath, bind_address: '127.0.0.1', port: env.examples.port },
      database: { path: 'slack.db' },
      logging: { level: 'warn' },
      slack: {
        room_id: roomId, incoming_token: TOKEN,
        outgoing_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/outgoing`, outgoing_token: 'e2e-outgoing',
      },
    }), dir);
    bridge = new Bridge({ config, registration: loadRegistration(env.examples.registrationPath), connector: new SlackWebhookConnector() });
    await bridge.start();
    await appservicePing(env.examples.id, env.examples.asToken);

    const res = await fetch(`http://127.0.0.1:${env.examples.port}/_bridgekit/slack/hooks/${TOKEN}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'deploy finished', username: 'ci' }),
    });
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    const incoming = await client.waitForMessage(roomId, 'deploy finished');
    expect(incoming.sender).toBe(`@${env.examples.userPrefix}ci:${env.homeserver.serverName}`);
    expect((await client.getProfile(incoming.sender)).displayname).toBe('ci');

    await client.sendText(roomId, 'thanks, CI');
    const outgoing = await pollUntil(async () => received.find((form) => form.text === 'thanks, CI'), { what: 'the outgoing webhook', timeoutMs: 15_000 });
    expect(outgoing).toMatchObject({ token: 'e2e-outgoing', channel_id: roomId, user_id: alice.userId, user_name: 'Alice' });
    // The ghost's own message did not go back out.
    expect(received.map((form) => form.text)).toEqual(['thanks, CI']);
  });
});
