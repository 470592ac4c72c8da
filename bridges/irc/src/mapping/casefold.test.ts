import { casefold, channelKey, nickKey, parseCasemapping, sameName, splitKey, type Casemapping } from './casefold';
import { asIrcChannel, asNetworkId } from './ids';

const libera = asNetworkId('libera');

describe('casefold', () => {
  it.each<[string, Casemapping, string]>([
    ['#Matrix', 'ascii', '#matrix'],
    ['#Foo[1]\\~^', 'ascii', '#foo[1]\\~^'],
    ['#Foo[1]\\^', 'strict-rfc1459', '#foo{1}|^'],
    ['#Foo[1]\\^', 'rfc1459', '#foo{1}|~'],
    ['#ÄÖÜ', 'rfc1459', '#ÄÖÜ'], // non-ASCII is never folded by these mappings
    ['', 'rfc1459', ''],
    ['@`{|}~', 'rfc1459', '@`{|}~'], // '@' (0x40) and '`' are below/above the folded ranges
    ['#a\r\nB', 'ascii', '#a\r\nb'],
  ])('%j under %s → %j', (input, mapping, expected) => {
    expect(casefold(input, mapping)).toBe(expected);
  });

  it.each<[string | undefined, Casemapping]>([
    [undefined, 'rfc1459'],
    ['', 'rfc1459'],
    ['rfc1459', 'rfc1459'],
    ['STRICT-RFC1459', 'strict-rfc1459'],
    ['ascii', 'ascii'],
    ['rfc7613', 'ascii'],
    ['garbage', 'ascii'],
  ])('parseCasemapping(%j) → %s', (token, expected) => {
    expect(parseCasemapping(token)).toBe(expected);
  });

  it('compares names the way the server does', () => {
    expect(sameName('Nick[a]', 'nick{a}', 'rfc1459')).toBe(true);
    expect(sameName('Nick[a]', 'nick{a}', 'ascii')).toBe(false);
    expect(sameName('nick~', 'NICK^', 'rfc1459')).toBe(true);
    expect(sameName('nick~', 'NICK^', 'strict-rfc1459')).toBe(false);
    expect(sameName('a', 'ab', 'rfc1459')).toBe(false);
  });
});

describe('channelKey / nickKey', () => {
  it('gives one key to every spelling of a channel on a network', () => {
    const a = channelKey(libera, asIrcChannel('#Foo[Bar]'), 'rfc1459');
    const b = channelKey(libera, asIrcChannel('#foo{bar}'), 'rfc1459');
    expect(a).toBe(b);
    expect(a).toBe('libera/#foo{bar}');
  });

  it('keeps networks apart', () => {
    expect(channelKey(libera, '#a', 'ascii')).not.toBe(channelKey(asNetworkId('oftc'), '#a', 'ascii'));
  });

  it('splits a key back even when the channel contains the separator', () => {
    expect(splitKey(channelKey(libera, '#a/b', 'ascii'))).toEqual({ network: 'libera', folded: '#a/b' });
    expect(splitKey(nickKey(libera, 'Alice', 'ascii'))).toEqual({ network: 'libera', folded: 'alice' });
  });
});
