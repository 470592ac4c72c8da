import { bigIntToIpv6, canonicalIpv6, ipv6ToBigInt, parseIpv6Prefix, prefixContains } from './ipv6-prefix';

describe('IPv6 prefixes', () => {
  it('reads a /64 and knows its first and last address', () => {
    const prefix = parseIpv6Prefix('2001:DB8:1::/64');
    expect(prefix.text).toBe('2001:db8:1::/64');
    expect(bigIntToIpv6(prefix.base)).toBe('2001:db8:1::');
    expect(bigIntToIpv6(prefix.last)).toBe('2001:db8:1:0:ffff:ffff:ffff:ffff');
    expect(prefixContains(prefix, ipv6ToBigInt('2001:db8:1::42'))).toBe(true);
    expect(prefixContains(prefix, ipv6ToBigInt('2001:db8:2::42'))).toBe(false);
  });

  it('accepts prefixes shorter than /64', () => {
    const prefix = parseIpv6Prefix('2001:db8::/48');
    expect(prefixContains(prefix, ipv6ToBigInt('2001:db8:0:ffff::1'))).toBe(true);
    expect(prefixContains(prefix, ipv6ToBigInt('2001:db8:1::1'))).toBe(false);
  });

  it.each([
    ['2001:db8:1::', /CIDR form/],
    ['2001:db8:1::/129', /from \/1 to \/120/],
    ['2001:db8:1::/0', /from \/1 to \/120/],
    ['2001:db8:1::/124', /from \/1 to \/120/],
    ['10.0.0.0/8', /IPv6 address/],
    ['2001:db8:zz::/64', /IPv6 address/],
    ['2001:db8:1::5/64', /write the prefix itself, "2001:db8:1::\/64"/],
  ])('refuses %s with a message that says what to write', (text, message) => {
    expect(() => parseIpv6Prefix(text)).toThrow(message);
  });

  it('writes addresses canonically (RFC 5952), whatever the spelling read', () => {
    expect(canonicalIpv6('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIpv6('::ffff:192.0.2.1')).toBe('::ffff:c000:201');
    expect(canonicalIpv6('fd42:0:0:1:0:0:0:0')).toBe('fd42:0:0:1::');
    expect(bigIntToIpv6(ipv6ToBigInt('::'))).toBe('::');
    expect(bigIntToIpv6((1n << 128n) - 1n)).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('round-trips every group position', () => {
    for (let i = 0; i < 8; i++) {
      const value = 0xabcdn << BigInt(16 * i);
      expect(ipv6ToBigInt(bigIntToIpv6(value))).toBe(value);
    }
  });
});
