/**
 * What an attacker on either side could try: forging homeserver pushes without the hs_token,
 * smuggling IRC commands through line breaks in a Matrix message or display name, and smuggling
 * HTML into Matrix through an IRC line.
 */
import { readE2eEnv } from './harness/env';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { ghostUserId, joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';
import { MatrixClient } from './harness/matrix-client';

bridgeForThisFile();

interface BridgedChannel {
  channel: string;
  irc: IrcTestClient;
  alice: MatrixTestUser;
  roomId: string;
}

async function bridgedChannel(alice?: MatrixTestUser): Promise<BridgedChannel> {
  const channel = uniqueChannel('sec');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const user = alice ?? (await matrixUser());
  const roomId = await joinPortal(user.client, channel, irc);
  return { channel, irc, alice: user, roomId };
}

/** The commands (second word) of every line `observer` received from `nick`. */
function commandsFrom(observer: IrcTestClient, nick: string): string[] {
  return observer.rawLines.filter((l) => l.toLowerCase().startsWith(`:${nick.toLowerCase()}!`)).map((l) => l.split(' ')[1] ?? '');
}

/** Alice says `sentinel`; once IRC has it, everything she sent before has arrived too. */
async function flush(b: BridgedChannel, sentinel = `sentinel ${uniqueNick('s')}`): Promise<void> {
  await b.alice.client.sendText(b.roomId, sentinel);
  await b.irc.waitForMessage((m) => m.message === sentinel);
}

/** A transaction as Synapse would push it, carrying one message "from" `sender` into `roomId`. */
function forgedTransaction(roomId: string, sender: string, body: string): string {
  return JSON.stringify({
    events: [{ type: 'm.room.message', room_id: roomId, sender, event_id: `$forged${Date.now()}`, origin_server_ts: Date.now(), content: { msgtype: 'm.text', body } }],
  });
}

async function pushTransaction(txnId: string, body: string, authorization?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (authorization !== undefined) headers.Authorization = authorization;
  const response = await fetch(`http://127.0.0.1:${readE2eEnv().appservice.port}/_matrix/app/v1/transactions/${txnId}`, { method: 'PUT', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('homeserver authentication (hs_token)', () => {
  it('refuses a transaction with a wrong hs_token (403) or none (401), and bridges nothing from it', async () => {
    const b = await bridgedChannel();
    await flush(b); // Alice's IRC connection is up: a forged message would have a way out

    const wrong = await pushTransaction(`forged-${Date.now()}`, forgedTransaction(b.roomId, b.alice.client.userId, 'forged with a wrong token'), 'Bearer not-the-hs-token');
    expect(wrong).toEqual({ status: 403, json: expect.objectContaining({ errcode: 'M_FORBIDDEN' }) });
    const missing = await pushTransaction(`forged-${Date.now()}`, forgedTransaction(b.roomId, b.alice.client.userId, 'forged without a token'));
    expect(missing).toEqual({ status: 401, json: expect.objectContaining({ errcode: 'M_UNAUTHORIZED' }) });

    await flush(b);
    expect(b.irc.receivedMessages.map((m) => m.message)).not.toEqual(expect.arrayContaining([expect.stringContaining('forged')]));
  });

  it('refuses a user query with a wrong hs_token, so no ghost is created for it', async () => {
    const nick = uniqueNick('nobody');
    const response = await fetch(`http://127.0.0.1:${readE2eEnv().appservice.port}/_matrix/app/v1/users/${encodeURIComponent(ghostUserId(nick))}`, {
      headers: { Authorization: 'Bearer not-the-hs-token' },
    });
    expect(response.status).toBe(403);
    const someone = await MatrixClient.register();
    await expect(someone.getProfile(ghostUserId(nick))).rejects.toMatchObject({ status: 404 });
  });
});

describe('IRC command injection from Matrix', () => {
  it('a lone CR in a message cannot start a second IRC command: the QUIT arrives as chat text', async () => {
    const b = await bridgedChannel();
    await flush(b, 'warm-up');
    await b.alice.client.sendText(b.roomId, `harmless\rQUIT :pwned`);
    await flush(b);
    // The bridge treats a lone CR as a line break: two PRIVMSGs, both plain text to the channel.
    const fromAlice = b.irc.receivedMessages.filter((m) => m.nick === b.alice.nick);
    expect(fromAlice.every((m) => m.type === 'privmsg' && m.target === b.channel)).toBe(true);
    expect(fromAlice.map((m) => m.message).join('\n')).toContain('QUIT :pwned');
    expect(commandsFrom(b.irc, b.alice.nick).filter((c) => c !== 'JOIN' && c !== 'PRIVMSG')).toEqual([]);
  });

  it('CRLF in a message becomes separate PRIVMSG lines, never a TOPIC, MODE, KICK or QUIT', async () => {
    const b = await bridgedChannel();
    await flush(b, 'warm-up');
    await b.alice.client.sendText(b.roomId, `one\r\nTOPIC ${b.channel} :pwned\r\nMODE ${b.channel} +o ${b.irc.nick}\r\nQUIT :pwned`);
    await flush(b);
    expect(commandsFrom(b.irc, b.alice.nick).filter((c) => c !== 'JOIN' && c !== 'PRIVMSG')).toEqual([]);
    expect(b.irc.rawLines.some((l) => / (TOPIC|MODE|KICK) /.test(l) && l.includes('pwned'))).toBe(false);
    // Alice's connection is still in the channel: a later message arrives from her nick.
    await flush(b, 'still here');
  });

  it('NUL and CR in a message reach IRC as one PRIVMSG without those bytes', async () => {
    const b = await bridgedChannel();
    await flush(b, 'warm-up');
    await b.alice.client.sendText(b.roomId, 'nul\u0000byte and cr\rhere');
    await flush(b);
    const lines = b.irc.rawLines.filter((l) => l.toLowerCase().startsWith(`:${b.alice.nick.toLowerCase()}!`) && l.includes('nul'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\0\r\n]/);
  });

  it('a display name with line breaks and spaces gives a valid nick and injects nothing', async () => {
    const client = await MatrixClient.register();
    await client.setDisplayName('evil\r\nQUIT :pwned');
    const channel = uniqueChannel('sec');
    const irc = await connectIrc(uniqueNick('i'));
    await irc.join(channel);
    const roomId = await joinPortal(client, channel, irc);
    await client.sendText(roomId, 'who am I on IRC?');
    const message = await irc.waitForMessage((m) => m.message === 'who am I on IRC?');
    expect(message.nick).toMatch(/^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/);
    expect(commandsFrom(irc, message.nick!).filter((c) => c !== 'JOIN' && c !== 'PRIVMSG')).toEqual([]);
  });
});

describe('HTML injection from IRC', () => {
  it('shows HTML typed on IRC as text, never as markup', async () => {
    const b = await bridgedChannel();
    const text = '<img src="https://evil.example/x.png"> <b>not bold</b> & <script>alert(1)</script>';
    b.irc.say(b.channel, text);
    const event = await b.alice.client.waitForMessage(b.roomId, text);
    const html = event.content.formatted_body;
    if (html !== undefined) {
      expect(String(html)).not.toMatch(/<(img|b|script)\b/i);
      expect(String(html)).toContain('&lt;img');
    }
  });
});
