/**
 * IRC case-insensitivity. Which characters are "the same" depends on the server's ISUPPORT
 * CASEMAPPING: under rfc1459 `[]\~` are the upper case of `{}|^`, so "#Foo[1]" and "#foo{1}"
 * are one channel. Every map keyed by a channel or nick must use these keys, or the bridge
 * creates two rooms for one channel.
 */
import type { IrcChannel, IrcNick, NetworkId } from './ids';

export type Casemapping = 'rfc1459' | 'strict-rfc1459' | 'ascii';

/** A channel's identity: network + casefolded name. Use it as the key of every channel map. */
export type ChannelKey = string & { readonly __brand: 'ChannelKey' };

/** A nick's identity: network + casefolded nick. */
export type NickKey = string & { readonly __brand: 'NickKey' };

/** The last upper-case code point each mapping folds (A-Z plus, for rfc1459, `[\]^` → `{|}~`). */
const UPPER_BOUND: Record<Casemapping, number> = {
  ascii: 0x5a, // Z
  'strict-rfc1459': 0x5d, // ]
  rfc1459: 0x5e, // ^
};

/**
 * Reads the ISUPPORT CASEMAPPING token. Absent means rfc1459 (the protocol's historic default).
 * Unknown values (e.g. Ergo's "rfc7613") fold as ascii: that never merges two names the server
 * keeps apart, it can only fail to merge two it treats as equal.
 */
export function parseCasemapping(token: string | undefined): Casemapping {
  if (token === undefined || token === '') return 'rfc1459';
  const lower = token.toLowerCase();
  if (lower === 'rfc1459' || lower === 'strict-rfc1459' || lower === 'ascii') return lower;
  return 'ascii';
}

/** Lower-cases `name` the way the server does. Characters outside the mapping are untouched. */
export function casefold(name: string, casemapping: Casemapping): string {
  const bound = UPPER_BOUND[casemapping];
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    out += code >= 0x41 && code <= bound ? String.fromCharCode(code + 32) : name[i];
  }
  return out;
}

/** True when the server treats `a` and `b` as the same name. */
export function sameName(a: string, b: string, casemapping: Casemapping): boolean {
  return a.length === b.length && casefold(a, casemapping) === casefold(b, casemapping);
}

// '/' cannot occur in a NetworkId, so the first '/' always separates network from name.
const SEPARATOR = '/';

export function channelKey(network: NetworkId, channel: IrcChannel | string, casemapping: Casemapping): ChannelKey {
  return `${network}${SEPARATOR}${casefold(channel, casemapping)}` as ChannelKey;
}

export function nickKey(network: NetworkId, nick: IrcNick | string, casemapping: Casemapping): NickKey {
  return `${network}${SEPARATOR}${casefold(nick, casemapping)}` as NickKey;
}

/** Splits a key back into its network and folded name (for logs and store rows). */
export function splitKey(key: ChannelKey | NickKey): { network: NetworkId; folded: string } {
  const at = key.indexOf(SEPARATOR);
  return { network: key.slice(0, at) as NetworkId, folded: key.slice(at + 1) };
}
