/**
 * IRC nick ↔ ghost Matrix user ID, `@<prefix><network>_<escaped nick>:<server>`.
 *
 * The escaping follows the spec's "Mapping from other character sets" appendix, so the result is
 * a valid, lower-case localpart and the mapping is reversible (Alice and alice are different
 * IRC users until the server folds them, so case must survive):
 *   - the nick is taken as UTF-8 bytes;
 *   - `A`-`Z` become `_` + the lower-case letter, and `_` itself becomes `__`;
 *   - `a-z 0-9 . -` stay as they are;
 *   - every other byte, including `=`, becomes `=` + two lower-case hex digits
 *     (`[` → `=5b`, `é` → `=c3=a9`).
 * `/` and `+` are legal in localparts but escaped anyway: older homeservers and clients choke on
 * them. Parsing accepts only the canonical form, so every ghost has exactly one user ID.
 *
 * A nick has further ghosts for when its own is still taken by someone else (ghosts/renames.ts:
 * alice renamed to alice2 keeps `…_alice`, so a new alice gets `…_alice_2`). Copy n ≥ 2 appends
 * `_<n>`: an escaped nick never has `_` before a digit, so these IDs cannot be any nick's own,
 * and each parses back to exactly one (nick, copy).
 */
import { isUtf8 } from 'node:buffer';
import type { UserId } from '@bridgekit/appservice';
import { asUserId } from '@bridgekit/appservice';
import { IrcError } from '../irc/errors';
import { isIrcNick, isNetworkId, type IrcNick, type NetworkId } from './ids';

/** Thrown when a nick's escaped form would not fit the spec's 255-character user ID limit. */
export class GhostIdTooLongError extends IrcError {
  constructor(readonly nick: string) {
    super('IRC_GHOST_ID_TOO_LONG', `The IRC nick ${JSON.stringify(nick)} is too long to become a Matrix user ID (255 characters max after escaping); this user cannot be bridged. A shorter ghost prefix or server name leaves more room.`);
    this.name = 'GhostIdTooLongError';
  }
}

const LITERAL = /^[a-z0-9.-]$/;
const LOCALPART = /^[a-z0-9._=\-/+]+$/;
const MAX_USER_ID_LENGTH = 255;
/** `<escaped nick>_<copy>`, copy ≥ 2 without leading zeros. */
const COPY_SUFFIX = /^(.+)_([2-9]|[1-9][0-9]+)$/;

/** What a ghost user ID says: whose nick it was made from, and which copy (1 = the nick's own). */
export interface ParsedGhostId {
  network: NetworkId;
  nick: IrcNick;
  /** Present (≥ 2) only for the further ghosts of a nick whose own ghost was taken. */
  copy?: number;
}

/** Escapes a nick into the localpart alphabet (the part after `<prefix><network>_`). */
export function escapeNick(nick: string): string {
  let out = '';
  for (const byte of Buffer.from(nick, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte >= 0x41 && byte <= 0x5a) out += `_${ch.toLowerCase()}`;
    else if (ch === '_') out += '__';
    else if (LITERAL.test(ch)) out += ch;
    else out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `escapeNick`; undefined for anything `escapeNick` cannot have produced. */
export function unescapeNick(escaped: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i] as string;
    if (ch === '_') {
      const next = escaped[i + 1];
      if (next === '_') bytes.push(0x5f);
      else if (next !== undefined && next >= 'a' && next <= 'z') bytes.push(next.toUpperCase().charCodeAt(0));
      else return undefined;
      i++;
    } else if (ch === '=') {
      const hex = escaped.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (LITERAL.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  const buf = Buffer.from(bytes);
  if (!isUtf8(buf)) return undefined;
  const nick = buf.toString('utf8');
  // Non-canonical spellings (`=61` for `a`) would give one nick two user IDs: refuse them.
  return escapeNick(nick) === escaped ? nick : undefined;
}

export interface GhostUserIdsOptions {
  /** Localpart prefix of every ghost, e.g. `_irc_`. Must be in the localpart alphabet. */
  prefix: string;
  /** The homeserver's server name, e.g. `example.org`. */
  server: string;
}

/** The ghost user ID grammar of one bridge (one prefix, one homeserver, many networks). */
export class GhostUserIds {
  readonly prefix: string;
  readonly server: string;

  constructor(options: GhostUserIdsOptions) {
    if (!options.prefix || !LOCALPART.test(options.prefix)) {
      throw new TypeError(`Invalid ghost user prefix ${JSON.stringify(options.prefix)}: use lower-case letters, digits and "._=-/", e.g. "_irc_".`);
    }
    if (!options.server || /[\s:@]/.test(options.server.replace(/:\d+$/, ''))) {
      throw new TypeError(`Invalid homeserver name ${JSON.stringify(options.server)}: expected a server name such as "example.org".`);
    }
    this.prefix = options.prefix;
    this.server = options.server;
  }

  /** `copy` 1 is the nick's own ghost; 2, 3, ... are the ghosts of later people with that nick. */
  localpartFor(network: NetworkId, nick: IrcNick, copy = 1): string {
    if (!Number.isSafeInteger(copy) || copy < 1) throw new RangeError(`Invalid ghost copy ${copy}: expected an integer ≥ 1.`);
    return `${this.prefix}${network}_${escapeNick(nick)}${copy > 1 ? `_${copy}` : ''}`;
  }

  /** @throws GhostIdTooLongError when the escaped nick does not fit in 255 characters. */
  userIdFor(network: NetworkId, nick: IrcNick, copy = 1): UserId {
    const userId = `@${this.localpartFor(network, nick, copy)}:${this.server}`;
    if (userId.length > MAX_USER_ID_LENGTH) throw new GhostIdTooLongError(nick);
    return asUserId(userId);
  }

  /** Parses a localpart; undefined when it is not one of this bridge's ghosts. */
  parseLocalpart(localpart: string): ParsedGhostId | undefined {
    if (!localpart.startsWith(this.prefix)) return undefined;
    const rest = localpart.slice(this.prefix.length);
    const sep = rest.indexOf('_');
    if (sep <= 0) return undefined;
    const network = rest.slice(0, sep);
    if (!isNetworkId(network)) return undefined;
    const escaped = rest.slice(sep + 1);
    const own = unescapeNick(escaped);
    if (own !== undefined) return isIrcNick(own) ? { network, nick: own } : undefined;
    const suffixed = COPY_SUFFIX.exec(escaped);
    const nick = suffixed && unescapeNick(suffixed[1] as string);
    if (!suffixed || nick === undefined || nick === null || !isIrcNick(nick)) return undefined;
    return { network, nick, copy: Number(suffixed[2]) };
  }

  /** Parses a full user ID; undefined unless it is a ghost of this bridge on this homeserver. */
  parseUserId(userId: UserId | string): ParsedGhostId | undefined {
    if (!userId.startsWith('@')) return undefined;
    const colon = userId.indexOf(':');
    if (colon < 0 || userId.slice(colon + 1) !== this.server) return undefined;
    return this.parseLocalpart(userId.slice(1, colon));
  }

  /** The regex for the registration's exclusive user namespace. */
  namespaceRegex(): string {
    return `@${escapeRegex(this.prefix)}.*:${escapeRegex(this.server)}`;
  }
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
