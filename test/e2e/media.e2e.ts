/**
 * Matrix files, images and long messages reach IRC as links an IRC user can open. Synapse serves
 * new media only to logged-in Matrix users (authenticated media, its default), so the bridge runs
 * its media proxy here, as config.sample.yaml says to for such a homeserver.
 */
import { freePorts } from '@bridgekit/appservice/testing';
import { connectIrc, uniqueNick, type IrcTestClient } from './harness/irc-client';
import { joinPortal, matrixUser, bridgeForThisFile, uniqueChannel, type MatrixTestUser } from './harness/irc-bridge';

bridgeForThisFile(async () => {
  const [proxyPort] = await freePorts(1);
  return {
    irc: { media: { mode: 'proxy', bind_address: '127.0.0.1', port: proxyPort, public_url: `http://127.0.0.1:${proxyPort}` } },
  };
});

async function bridgedChannel(): Promise<{ channel: string; irc: IrcTestClient; alice: MatrixTestUser; roomId: string }> {
  const channel = uniqueChannel('media');
  const irc = await connectIrc(uniqueNick('i'));
  await irc.join(channel);
  const alice = await matrixUser();
  const roomId = await joinPortal(alice.client, channel, irc);
  return { channel, irc, alice, roomId };
}

/** The first http(s) URL in an IRC line. */
function linkIn(text: string): string {
  const match = /https?:\/\/\S+/.exec(text);
  if (!match) throw new Error(`no link in ${JSON.stringify(text)}`);
  return match[0];
}

/** What an IRC user's browser gets for a link: status, type and body. */
async function open(url: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('Matrix media → IRC links', () => {
  it('posts an image as a link that serves the image to an IRC user', async () => {
    const b = await bridgedChannel();
    const mxc = await b.alice.client.uploadMedia(PNG, 'image/png', 'dot.png');
    await b.alice.client.sendEvent(b.roomId, 'm.room.message', { msgtype: 'm.image', body: 'dot.png', url: mxc, info: { mimetype: 'image/png', size: PNG.length } });
    const line = await b.irc.waitForMessage((m) => m.nick === b.alice.nick && /https?:\/\//.test(m.message));
    expect(line.message).toMatch(/dot\.png$/);
    const served = await open(linkIn(line.message));
    expect(served.status).toBe(200);
    expect(served.type).toMatch(/^image\/png/);
    expect(served.body.equals(PNG)).toBe(true);
  });

  it('posts a file with a caption as the caption and a working link', async () => {
    const b = await bridgedChannel();
    const report = Buffer.from('quarterly numbers\n', 'utf8');
    const mxc = await b.alice.client.uploadMedia(report, 'text/plain', 'report.txt');
    await b.alice.client.sendEvent(b.roomId, 'm.room.message', { msgtype: 'm.file', body: 'the report', filename: 'report.txt', url: mxc });
    const line = await b.irc.waitForMessage((m) => m.nick === b.alice.nick && m.message.startsWith('the report '));
    const served = await open(linkIn(line.message));
    expect(served.status).toBe(200);
    expect(served.body.toString('utf8')).toBe('quarterly numbers\n');
  });

  it('sends a message longer than the paste threshold as one line with a link to the full text', async () => {
    const b = await bridgedChannel();
    const lines = Array.from({ length: 8 }, (_, i) => `paste line ${i}`);
    await b.alice.client.sendText(b.roomId, lines.join('\n'));
    const line = await b.irc.waitForMessage((m) => m.nick === b.alice.nick);
    expect(line.message).toMatch(/^paste line 0 \(long message, 8 lines: https?:\/\/\S+\)$/);
    const served = await open(linkIn(line.message).replace(/\)$/, ''));
    expect(served.status).toBe(200);
    expect(served.body.toString('utf8')).toBe(`${lines.join('\n')}\n`);
    // One line on IRC instead of eight.
    b.irc.say(b.channel, 'sentinel');
    await b.alice.client.waitForMessage(b.roomId, 'sentinel');
    expect(b.irc.receivedMessages.filter((m) => m.nick === b.alice.nick)).toHaveLength(1);
  });

  it('refuses a link whose signature was tampered with', async () => {
    const b = await bridgedChannel();
    const mxc = await b.alice.client.uploadMedia(PNG, 'image/png', 'secret.png');
    await b.alice.client.sendEvent(b.roomId, 'm.room.message', { msgtype: 'm.image', body: 'secret.png', url: mxc });
    const line = await b.irc.waitForMessage((m) => m.nick === b.alice.nick && /https?:\/\//.test(m.message));
    const link = linkIn(line.message);
    // …/<server>/<id>/<expires>/<signature>/<name>: flip the signature's first character.
    const parts = link.split('/');
    const sig = parts[parts.length - 2]!;
    parts[parts.length - 2] = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const served = await open(parts.join('/'));
    expect(served.status).toBeGreaterThanOrEqual(400);
    expect(served.body.equals(PNG)).toBe(false);
  });
});
