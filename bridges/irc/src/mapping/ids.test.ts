import { asIrcChannel, asIrcNick, asNetworkId, isIrcChannel, isIrcNick, isNetworkId } from './ids';

describe('NetworkId', () => {
  it.each(['libera', 'oftc', 'my-net', 'a', 'net2'])('accepts %j', (v) => expect(isNetworkId(v)).toBe(true));
  it.each(['', 'Libera', 'lib_era', '-net', 'net-', 'a b', 'a/b', 'x'.repeat(33), 'ü'])('rejects %j', (v) => {
    expect(isNetworkId(v)).toBe(false);
    expect(() => asNetworkId(v)).toThrow(/network name/);
  });
});

describe('IrcNick', () => {
  it.each(['alice', 'Alice[m]', '[]\\`^{}|_-', 'Zoë', '名前'])('accepts %j', (v) => expect(isIrcNick(v)).toBe(true));
  it.each(['', 'a b', 'a\r\nQUIT', 'a\0', 'a,b', 'a!b', 'a@b', 'a:b', '#chan', 'x'.repeat(65), 'a*'])('rejects %j', (v) => {
    expect(isIrcNick(v)).toBe(false);
    expect(() => asIrcNick(v)).toThrow(/IRC nick/);
  });
});

describe('IrcChannel', () => {
  it.each(['#matrix', '&local', '##double', '#Ünïcode', '#a/b'])('accepts %j', (v) => expect(isIrcChannel(v)).toBe(true));
  it.each(['', '#', 'matrix', '#a b', '#a,b', '#a\x07', '#a\r\n', '#a:b', `#${'x'.repeat(200)}`])('rejects %j', (v) => {
    expect(isIrcChannel(v)).toBe(false);
    expect(() => asIrcChannel(v)).toThrow(/IRC channel/);
  });
  it('honours CHANTYPES', () => {
    expect(isIrcChannel('!abc', '#!')).toBe(true);
    expect(isIrcChannel('&abc', '#')).toBe(false);
  });
});
