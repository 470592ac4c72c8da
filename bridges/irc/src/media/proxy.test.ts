import { Readable } from 'node:stream';
import { MatrixError } from '@bridgekit/appservice';
import { FakeLogger } from '../testing/fake-bridge';
import { MediaLinks } from './links';
import { startMediaProxy, type MediaProxy } from './proxy';

const key = Buffer.alloc(32, 9);
let proxy: MediaProxy;
let links: MediaLinks;
const downloads: string[] = [];

beforeAll(async () => {
  links = new MediaLinks({ mode: 'proxy', publicUrl: 'http://placeholder', linkTtlSeconds: 3600 }, key);
  proxy = await startMediaProxy({
    config: { bindAddress: '127.0.0.1', port: 0, maxBytes: 1000 },
    links,
    log: new FakeLogger(),
    media: {
      download: async (mxc) => {
        downloads.push(mxc);
        if (mxc.endsWith('/gone')) throw new MatrixError('M_NOT_FOUND', 404, 'gone', 'GET /_matrix/client/v1/media/download/{serverName}/{mediaId}');
        if (mxc.endsWith('/html')) return { stream: Readable.from([Buffer.from('<script>alert(1)</script>')]), contentType: 'text/html', contentLength: 25 };
        if (mxc.endsWith('/big')) return { stream: Readable.from([Buffer.alloc(2000)]), contentType: 'application/octet-stream' };
        return { stream: Readable.from([Buffer.from('PNGDATA')]), contentType: 'image/png', contentLength: 7 };
      },
    },
  });
});
afterAll(() => proxy.close());

function local(link: string): string {
  return link.replace('http://placeholder', `http://127.0.0.1:${proxy.address.port}`);
}

describe('media proxy', () => {
  it('streams a signed link from the homeserver with safe headers', async () => {
    const res = await fetch(local(links.linkFor('mxc://hs.test/img', 'cat.png')!));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('PNGDATA');
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''cat.png");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(downloads).toContain('mxc://hs.test/img');
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
    expect((await fetch(`http://127.0.0.1:${proxy.address.port}/media/v1/hs.test/img/1/abc`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${proxy.address.port}/`)).status).toBe(404);
    expect((await fetch(good, { method: 'POST' })).status).toBe(405);
    const expired = new MediaLinks({ mode: 'proxy', publicUrl: 'http://placeholder', linkTtlSeconds: 60 }, key, () => 0).linkFor('mxc://hs.test/img')!;
    expect((await fetch(local(expired))).status).toBe(410);
    expect(downloads.length).toBe(before);
  });

  it('passes on 404s and stops at the size limit', async () => {
    expect((await fetch(local(links.linkFor('mxc://hs.test/gone')!))).status).toBe(404);
    // Without a Content-Length the limit is enforced while streaming: the response is cut off.
    await expect(fetch(local(links.linkFor('mxc://hs.test/big')!)).then((res) => res.arrayBuffer())).rejects.toThrow();
  });
});
