import { Readable } from 'node:stream';
import { ConnectorRoutes, MatrixError } from '@bridgekit/appservice';
import { TestLogger } from '@bridgekit/appservice/testing';
import { MediaLinks } from './links';
import { addMediaProxyRoute } from './proxy';

const key = Buffer.alloc(32, 9);
let routes: ConnectorRoutes;
let port: number;
let links: MediaLinks;
const downloads: string[] = [];

beforeAll(async () => {
  links = new MediaLinks({ mode: 'proxy', publicUrl: 'http://placeholder', linkTtlSeconds: 3600 }, key);
  routes = new ConnectorRoutes({ log: new TestLogger() });
  addMediaProxyRoute(routes, {
    config: { maxBytes: 1000 },
    links,
    log: new TestLogger(),
    media: {
      download: async (mxc) => {
        downloads.push(mxc);
        if (mxc.endsWith('/gone')) throw new MatrixError('M_NOT_FOUND', 404, 'gone', 'GET /_matrix/client/v1/media/download/{serverName}/{mediaId}');
        if (mxc.endsWith('/html')) return { stream: Readable.from([Buffer.from('<script>alert(1)</script>')]), contentType: 'text/html', contentLength: 25 };
        if (mxc.endsWith('/big')) return { stream: Readable.from([Buffer.alloc(2000)]), contentType: 'application/octet-stream' };
        if (mxc.endsWith('/broken')) {
          return { stream: new Readable({ read() { this.push(Buffer.from('part')); this.destroy(new Error('homeserver hung up')); } }), contentType: 'image/png' };
        }
        return { stream: Readable.from([Buffer.from('PNGDATA')]), contentType: 'image/png', contentLength: 7 };
      },
    },
  });
  port = (await routes.listen({ appservice: { bindAddress: '127.0.0.1', port: 0 } })).appservice.port;
});
afterAll(() => routes.close(100));

function local(link: string): string {
  return link.replace('http://placeholder', `http://127.0.0.1:${port}`);
}

describe('media proxy', () => {
  it('streams a signed link from the homeserver with safe headers', async () => {
    const link = links.linkFor('mxc://hs.test/img', 'cat picture.png')!;
    expect(link).toMatch(/^http:\/\/placeholder\/_bridgekit\/media\/v1\/hs\.test\/img\/\d+\/[\w-]+\/cat%20picture\.png$/);
    const res = await fetch(local(link));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('PNGDATA');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-length')).toBe('7');
    expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''cat%20picture.png");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(downloads).toContain('mxc://hs.test/img');
  });

  it('answers HEAD with the headers only', async () => {
    const res = await fetch(local(links.linkFor('mxc://hs.test/img')!), { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('7');
    expect(await res.text()).toBe('');
  });

  it('serves HTML as a sandboxed download, never inline', async () => {
    const res = await fetch(local(links.linkFor('mxc://hs.test/html')!));
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.headers.get('content-security-policy')).toMatch(/sandbox/);
  });

  it('refuses tampered, unknown and expired links without asking the homeserver', async () => {
    const before = downloads.length;
    const good = local(links.linkFor('mxc://hs.test/img')!);
    expect((await fetch(good.replace('/img/', '/other/'))).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/_bridgekit/media/v1/hs.test/img/1/abc`)).status).toBe(404);
    // The path of links from before the proxy moved under the core's prefix.
    expect((await fetch(good.replace('/_bridgekit/media/', '/media/'))).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
    expect((await fetch(good, { method: 'POST' })).status).toBe(405);
    const expired = new MediaLinks({ mode: 'proxy', publicUrl: 'http://placeholder', linkTtlSeconds: 60 }, key, () => 0).linkFor('mxc://hs.test/img')!;
    const gone = await fetch(local(expired));
    expect(gone.status).toBe(410);
    expect(await gone.text()).toBe('This link has expired; ask the sender to share the file again.\n');
    expect(downloads.length).toBe(before);
  });

  it('passes on 404s and cuts off a file at the size limit or when the homeserver hangs up', async () => {
    expect((await fetch(local(links.linkFor('mxc://hs.test/gone')!))).status).toBe(404);
    // Without a Content-Length the limit is enforced while streaming: the response is cut off.
    await expect(fetch(local(links.linkFor('mxc://hs.test/big')!)).then((res) => res.arrayBuffer())).rejects.toThrow();
    await expect(fetch(local(links.linkFor('mxc://hs.test/broken')!)).then((res) => res.arrayBuffer())).rejects.toThrow();
  });
});
