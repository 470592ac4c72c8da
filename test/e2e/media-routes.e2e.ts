/**
 * The media proxy with no port of its own: a route on the bridge's appservice listener, below
 * /_bridgekit/, next to the API Synapse pushes to (the default since the proxy became a
 * connector route). media.e2e.ts covers a proxy on a port of its own.
 */
import { readE2eEnv } from './harness/env';
import { connectIrc, uniqueNick } from './harness/irc-client';
import { joinPortal, matrixUser, bridgeForThisFile, uniqueChannel } from './harness/irc-bridge';

const env = readE2eEnv();
const publicUrl = `http://127.0.0.1:${env.appservice.port}`;
bridgeForThisFile(() => ({ irc: { media: { mode: 'proxy', public_url: publicUrl } } }));

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('media proxy on the appservice listener', () => {
  it('serves an image link on the port Synapse pushes to, while pushes keep arriving', async () => {
    const channel = uniqueChannel('mediars');
    const irc = await connectIrc(uniqueNick('i'));
    await irc.join(channel);
    const alice = await matrixUser();
    const roomId = await joinPortal(alice.client, channel, irc);
    const mxc = await alice.client.uploadMedia(PNG, 'image/png', 'dot.png');
    await alice.client.sendEvent(roomId, 'm.room.message', { msgtype: 'm.image', body: 'dot.png', url: mxc, info: { mimetype: 'image/png', size: PNG.length } });
    const line = await irc.waitForMessage((m) => m.nick === alice.nick && /https?:\/\//.test(m.message));
    const link = /https?:\/\/\S+/.exec(line.message)![0];
    expect(link.startsWith(`${publicUrl}/_bridgekit/media/v1/`)).toBe(true);
    const served = await fetch(link, { signal: AbortSignal.timeout(10_000) });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^image\/png/);
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);
    // The same listener still takes Synapse's pushes: a message sent after the download arrives on IRC.
    await alice.client.sendText(roomId, 'after the download');
    await irc.waitForMessage((m) => m.nick === alice.nick && m.message === 'after the download');
  });
});
