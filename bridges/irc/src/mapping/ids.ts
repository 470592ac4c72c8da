/**
 * Branded IRC-side names, so a nick can never be passed where a channel or network is expected.
 * Parse at the boundary (config, IRC wire, Matrix commands) with the `as*` functions; they throw
 * a TypeError whose message says what a valid value looks like.
 */

/** A network's key in the bridge config (`networks.libera`): lower-case letters, digits, '-'. */
export type NetworkId = string & { readonly __brand: 'NetworkId' };

/** A nick as it appears on the wire, case preserved. */
export type IrcNick = string & { readonly __brand: 'IrcNick' };

/** A channel name as it appears on the wire, case preserved, including its prefix ('#'). */
export type IrcChannel = string & { readonly __brand: 'IrcChannel' };

const NETWORK_ID = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export function isNetworkId(value: unknown): value is NetworkId {
  return typeof value === 'string' && NETWORK_ID.test(value);
}

export function asNetworkId(value: string): NetworkId {
  if (!isNetworkId(value)) {
    throw new TypeError(`Not a valid network name: ${JSON.stringify(value)}. Use 1-32 lower-case letters, digits or '-' (not at either end), e.g. "libera".`);
  }
  return value;
}

/**
 * Wire-level nick validity, deliberately looser than RFC 2812 (`nick-template.ts` produces the
 * strict form): servers such as Ergo allow Unicode nicks, and the bridge must still be able to
 * name those users. What is refused is anything that would break a command or a prefix.
 */
const NICK_FORBIDDEN = /[\s\x00-\x1f\x7f,*?!@:]/;

export function isIrcNick(value: unknown): value is IrcNick {
  return typeof value === 'string' && value.length > 0 && value.length <= 64
    && !NICK_FORBIDDEN.test(value) && !/^[#&$+~%]/.test(value);
}

export function asIrcNick(value: string): IrcNick {
  if (!isIrcNick(value)) {
    throw new TypeError(`Not a valid IRC nick: ${JSON.stringify(value)}. A nick has 1-64 characters, no spaces or ",*?!@:" and does not start with a channel prefix.`);
  }
  return value;
}

/** RFC 2812 `chanstring` minus NUL, BEL, CR, LF, space, comma and colon; max 200 chars. */
const CHANNEL_FORBIDDEN = /[\x00\x07\r\n ,:]/;

/**
 * `chanTypes` is ISUPPORT CHANTYPES (default "#&"). The colon is refused although some servers
 * accept it, because it would make the name unusable as a middle parameter.
 */
export function isIrcChannel(value: unknown, chanTypes = '#&'): value is IrcChannel {
  return typeof value === 'string' && value.length >= 2 && value.length <= 200
    && chanTypes.includes(value[0] ?? '') && !CHANNEL_FORBIDDEN.test(value);
}

export function asIrcChannel(value: string, chanTypes = '#&'): IrcChannel {
  if (!isIrcChannel(value, chanTypes)) {
    throw new TypeError(`Not a valid IRC channel: ${JSON.stringify(value)}. A channel starts with one of "${chanTypes}" and has no spaces, commas, colons or control characters.`);
  }
  return value;
}
