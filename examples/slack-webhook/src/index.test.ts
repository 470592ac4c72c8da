import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { asRoomId, asUserId } from '@bridgekit/appservice';
import { createTestBridge, type TestBridge } from '@bridgekit/appservice/testing';
import { SlackWebhookConnector } from './index';

// The example tested as its author would: the public API and the test kit, plus a loopback
// server standing in for the outgoing webhook's receiver.

const ROOM = asRoomId('!general:hs.test');
const TOKEN = 'incoming-secret-0123456789';
const alice = asUserId('@alice:hs.test');

interface Received { status: number; form: Record<string, string> }

describe('slack-webhook example', () => {
  let tb: TestBridge;
  let receiver: Server;
  const received: Received[] = [];
  /** Statuses the receiver answers, in order; then 200. */
  let answers: number[] = [];

  beforeEach(async () => {
    received.length = 0;
    answers = [];
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        received.push({ status, form: Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(status, { 'content-type': 'application/json', connection: 'close' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    tb = await createTestBridge({
      connector: new SlackWebhookConnector(),
      registration: { senderLocalpart: 'slackbot', userPrefix: '_slack_' },
      config: {
        slack: {
          room_id: ROOM, incoming_token: TOKEN,
          outgoing_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, outgoing_token: 'outgoing-secret',
        },
      },
      // The room exists before the bridge; alice and the bot are in it.
      seed: (hs) => {
        hs.model.addUser(alice, { displayname: 'Alice' });
        hs.model.createRoom(alice, { preset: 'public_chat' }, ROOM);
        hs.model.join(asUserId('@slackbot:hs.test'), ROOM);
      },
    });
  });
  afterEach(async () => {
    await tb.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const hook = (body: string, contentType: string, token = TOKEN) =>
    fetch(`${tb.url}/_bridgekit/slack/hooks/${token}`, { method: 'POST', headers: { 'content-type': contentType, connection: 'close' }, body });

  it('posts an incoming webhook into the room as a ghost named after `username`', async () => {
    const res = await hook(JSON.stringify({ text: 'build passed', username: 'CI Bot' }), 'application/json');
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
    await tb.settle();
    const [message, ...more] = tb.sent.messages(ROOM);
    expect(more).toEqual([]);
    expect(message).toMatchObject({ sender: expect.stringMatching(/^@_slack_/), content: { msgtype: 'm.text', body: 'build passed' } });
    expect(tb.homeserver.model.profiles.get(message!.sender)?.displayname).toBe('CI Bot');
  });

  it('takes Slack\'s form encoding (payload=<json>), and one ghost per username', async () => {
    for (const username of ['deploy', 'deploy', undefined]) {
      const payload = JSON.stringify({ text: `from ${username ?? 'nobody'}`, ...(username ? { username } : {}) });
      expect((await hook(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')).status).toBe(200);
    }
    await tb.settle();
    const senders = tb.sent.messages(ROOM).map((m) => m.sender);
    expect(senders).toHaveLength(3);
    expect(senders[0]).toBe(senders[1]);
    expect(senders[2]).not.toBe(senders[0]);
  });

  it('refuses a wrong token and a webhook without text, and sends nothing for them', async () => {
    expect((await hook(JSON.stringify({ text: 'x' }), 'application/json', 'wrong-secret-0123456789xx')).status).toBe(404);
    expect((await hook(JSON.stringify({ username: 'x' }), 'application/json')).status).toBe(400);
    expect((await hook('payload=%7Bnot json', 'application/x-www-form-urlencoded')).status).toBe(400);
    await tb.settle();
    expect(tb.sent.messages()).toEqual([]);
    expect(tb.logs.join('\n')).not.toContain(TOKEN);
  });

  it('delivers an accepted webhook once, through homeserver failures', async () => {
    tb.failNext(3, { status: 502 }, { endpoint: 'send' });
    expect((await hook(JSON.stringify({ text: 'eventually', username: 'ci' }), 'application/json')).status).toBe(200);
    await tb.settle();
    expect(tb.sent.messages(ROOM).map((m) => m.content.body)).toEqual(['eventually']);
    expect(new Set(tb.sent.to('send').map((r) => r.params[2])).size).toBe(1); // one transaction ID throughout
  });

  it('sends each Matrix message in the room to the outgoing URL as Slack\'s form, retrying a failing receiver', async () => {
    answers = [500];
    await tb.push.membership(ROOM, alice, 'join', { displayName: 'Alice' });
    await tb.push.message(ROOM, alice, 'hello slack');
    await tb.push.message(asRoomId('!elsewhere:hs.test'), alice, 'not this one');
    await tb.settle();
    expect(received.map((r) => r.status)).toEqual([500, 200]);
    expect(received[1]!.form).toMatchObject({ token: 'outgoing-secret', channel_id: ROOM, user_id: alice, user_name: 'Alice', text: 'hello slack' });
  });
});
