import { MediaLinks, parseMxc } from './links';

const key = Buffer.alloc(32, 7);

describe('MediaLinks', () => {
  it('links directly to the homeserver in direct mode', () => {
    const links = new MediaLinks({ mode: 'direct', publicUrl: 'https://hs.example', linkTtlSeconds: 60 }, undefined);
    expect(links.linkFor('mxc://hs.example/abc', 'my file.png')).toBe('https://hs.example/_matrix/media/v3/download/hs.example/abc/my%20file.png');
  });

  it('signs proxy links, verifies them in constant time and expires them', () => {
    let now = 1_000_000_000_000;
    const links = new MediaLinks({ mode: 'proxy', publicUrl: 'https://bridge.example', linkTtlSeconds: 60 }, key, () => now);
    const link = links.linkFor('mxc://hs.example/abc', 'a/b.png')!;
    const match = /^https:\/\/bridge\.example\/_bridgekit\/media\/v1\/hs\.example\/abc\/(\d+)\/([\w-]+)\/a_b\.png$/.exec(link)!;
    expect(match).not.toBeNull();
    const [, expires, sig] = match;
    expect(links.verify({ server: 'hs.example', mediaId: 'abc' }, Number(expires), sig!)).toBe('ok');
    expect(links.verify({ server: 'hs.example', mediaId: 'abd' }, Number(expires), sig!)).toBe('bad-signature');
    expect(links.verify({ server: 'hs.example', mediaId: 'abc' }, Number(expires) + 1, sig!)).toBe('bad-signature');
    expect(links.verify({ server: 'hs.example', mediaId: 'abc' }, Number(expires), 'x')).toBe('bad-signature');
    now += 61_000;
    expect(links.verify({ server: 'hs.example', mediaId: 'abc' }, Number(expires), sig!)).toBe('expired');
  });

  it('refuses anything but mxc URIs', () => {
    const links = new MediaLinks({ mode: 'direct', publicUrl: 'https://hs', linkTtlSeconds: 60 }, undefined);
    expect(links.linkFor('https://evil.example/x')).toBeUndefined();
    expect(links.linkFor('mxc://hs/../../etc/passwd')).toBeUndefined();
    expect(parseMxc('mxc://hs.example:8448/AbC_-1')).toEqual({ server: 'hs.example:8448', mediaId: 'AbC_-1' });
  });
});
