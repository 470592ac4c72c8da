/**
 * An IPv6 prefix from the config (`irc.networks.*.ipv6.prefix`) and the addresses inside it, as
 * 128-bit integers: the per-user source addresses are "the prefix's first address to hand out,
 * plus n". Addresses are written in RFC 5952's canonical form (lower case, longest zero run as
 * `::`), so one address always has one spelling in the store and in logs.
 */
import { isIPv6 } from 'node:net';

const ADDRESS_BITS = 128n;
const ALL_ONES = (1n << ADDRESS_BITS) - 1n;

export interface Ipv6Prefix {
  /** Canonical text, e.g. `2001:db8:1::/64`. */
  readonly text: string;
  readonly base: bigint;
  readonly length: number;
  /** The last address inside the prefix. */
  readonly last: bigint;
}

/**
 * `2001:db8:1::/64` → the prefix; throws an Error whose message says what to write instead
 * (the config parser puts it under the key). /64 or shorter is what a host gets routed; longer
 * prefixes work too, as long as they leave room for more than a handful of users.
 */
export function parseIpv6Prefix(text: string): Ipv6Prefix {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) throw new Error(`must be an IPv6 prefix in CIDR form such as "2001:db8:1::/64" (got ${JSON.stringify(text)})`);
  const [, addressText = '', lengthText = ''] = match;
  if (!isIPv6(addressText)) throw new Error(`must start with an IPv6 address, such as "2001:db8:1::/64" (${JSON.stringify(addressText)} is not one)`);
  const length = Number(lengthText);
  if (length < 1 || length > 120) {
    throw new Error(`must have a prefix length from /1 to /120 (got /${length}); a host is usually routed a /64, e.g. "2001:db8:1::/64"`);
  }
  const address = ipv6ToBigInt(addressText);
  const hostMask = ALL_ONES >> BigInt(length);
  const base = address & ~hostMask & ALL_ONES;
  if (base !== address) {
    throw new Error(`has bits set after the first ${length}: write the prefix itself, "${bigIntToIpv6(base)}/${length}"`);
  }
  return { text: `${bigIntToIpv6(base)}/${length}`, base, length, last: base | hostMask };
}

export function prefixContains(prefix: Ipv6Prefix, address: bigint): boolean {
  return address >= prefix.base && address <= prefix.last;
}

/** Any IPv6 spelling (`::`, embedded IPv4, upper case) → its 128-bit value; throws on non-IPv6 text. */
export function ipv6ToBigInt(address: string): bigint {
  if (!isIPv6(address)) throw new Error(`${JSON.stringify(address)} is not an IPv6 address`);
  // The WHATWG URL parser writes an IPv6 host canonically: hex groups only, one `::` at most.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  let value = 0n;
  for (const group of [...headGroups, ...zeros, ...tailGroups]) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  return value;
}

/** A 128-bit value → its canonical IPv6 text (RFC 5952). */
export function bigIntToIpv6(value: bigint): string {
  if (value < 0n || value > ALL_ONES) throw new RangeError(`${value} is outside the IPv6 address space`);
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The canonical spelling of an IPv6 address (for comparing what a socket reports with the store). */
export function canonicalIpv6(address: string): string {
  return bigIntToIpv6(ipv6ToBigInt(address));
}
