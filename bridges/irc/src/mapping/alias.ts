/**
 * The portal alias grammar: `#_irc_libera_#matrix:example.org` is the room for #matrix on the
 * network configured as `libera`. A Matrix user joins that alias, the homeserver asks the bridge
 * (onAliasQuery), and `parse` tells the bridge which channel to create a room for.
 *
 * The template (default `#_irc_$NETWORK_$CHANNEL`: the spec asks exclusive alias namespaces to
 * start with an underscore after the sigil) may omit `$NETWORK` for a single-network bridge. The channel keeps its `#` and its case; characters an alias cannot hold (':',
 * whitespace, control characters — Synapse refuses whitespace even where the spec allows it) are
 * written as `=xx` per UTF-8 byte, and '=' itself as `=3d`, so the mapping is reversible.
 */
import { isUtf8 } from 'node:buffer';
import type { RoomAlias } from '@bridgekit/appservice';
import { asRoomAlias } from '@bridgekit/appservice';
import { IrcError } from '../irc/errors';
import { escapeRegex } from './ghost-ids';
import { isIrcChannel, isNetworkId, type IrcChannel, type NetworkId } from './ids';

export const DEFAULT_ALIAS_TEMPLATE = '#_irc_$NETWORK_$CHANNEL';
const MAX_ALIAS_BYTES = 255;

/** Thrown when an alias would exceed the spec's 255 bytes. */
export class AliasTooLongError extends IrcError {
  constructor(readonly channel: string) {
    super('IRC_ALIAS_TOO_LONG', `The channel ${JSON.stringify(channel)} is too long for a Matrix room alias (255 bytes max); link it to a room with the provisioning API instead.`);
    this.name = 'AliasTooLongError';
  }
}

const NEEDS_ESCAPE = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}:=]/u;

/** Escapes a channel name for use inside an alias localpart. */
export function escapeAliasPart(text: string): string {
  let out = '';
  for (const ch of text) {
    if (!NEEDS_ESCAPE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `escapeAliasPart`; undefined for malformed or non-canonical input. */
export function unescapeAliasPart(escaped: string): string | undefined {
  let valid = true;
  const decoded = escaped.replace(/(?:=[0-9a-f]{2})+/g, (run) => {
    const bytes = Buffer.from(run.split('=').slice(1).map((h) => parseInt(h, 16)));
    if (!isUtf8(bytes)) valid = false;
    return bytes.toString('utf8');
  });
  // Non-canonical spellings (`=23` for '#', a bare '=') would give one channel two aliases.
  return valid && escapeAliasPart(decoded) === escaped ? decoded : undefined;
}

export interface PortalAliasOptions {
  /** E.g. `#_irc_$NETWORK_$CHANNEL`; the leading '#' is optional. */
  template?: string;
  /** The homeserver's server name. */
  server: string;
  /** Required when the template has no `$NETWORK`: the one network this bridge serves. */
  network?: NetworkId;
  /** ISUPPORT CHANTYPES the parsed channel must start with (default "#&"). */
  chanTypes?: string;
}

export class PortalAliases {
  readonly server: string;
  private readonly template: string;
  private readonly pattern: RegExp;
  private readonly network?: NetworkId;
  private readonly chanTypes: string;
  private readonly networkFirst: boolean;

  constructor(options: PortalAliasOptions) {
    const template = (options.template ?? DEFAULT_ALIAS_TEMPLATE).replace(/^#/, '');
    const channels = template.split('$CHANNEL').length - 1;
    const networks = template.split('$NETWORK').length - 1;
    if (channels !== 1 || networks > 1) {
      throw new TypeError(`Invalid alias template ${JSON.stringify(options.template)}: it needs $CHANNEL exactly once and $NETWORK at most once, e.g. "${DEFAULT_ALIAS_TEMPLATE}".`);
    }
    if (networks === 0 && !options.network) {
      throw new TypeError(`The alias template ${JSON.stringify(options.template)} has no $NETWORK, so the bridge needs the single network it serves.`);
    }
    const literal = template.replace('$CHANNEL', '').replace('$NETWORK', '');
    if (NEEDS_ESCAPE.test(literal.replace(/=/g, ''))) {
      throw new TypeError(`Invalid alias template ${JSON.stringify(options.template)}: the text around the variables may not contain ':' or whitespace.`);
    }
    this.template = template;
    this.server = options.server;
    this.network = options.network;
    this.chanTypes = options.chanTypes ?? '#&';
    this.networkFirst = networks === 1 && template.indexOf('$NETWORK') < template.indexOf('$CHANNEL');
    const source = template
      .split(/(\$NETWORK|\$CHANNEL)/)
      .map((piece) => (piece === '$NETWORK' ? '([a-z0-9-]+)' : piece === '$CHANNEL' ? '(.+)' : escapeRegex(piece)))
      .join('');
    this.pattern = new RegExp(`^${source}$`, 's');
  }

  /** The alias localpart (without '#') for a channel. */
  localpartFor(network: NetworkId, channel: IrcChannel): string {
    // Replacer functions, not strings: a string replacement reads `$$`, `$&` and `$'` in the
    // channel name as patterns (found by fuzzing: "#$$" became the alias of "#$").
    return this.template.replace('$NETWORK', () => network).replace('$CHANNEL', () => escapeAliasPart(channel));
  }

  /** @throws AliasTooLongError when the alias would exceed 255 bytes. */
  aliasFor(network: NetworkId, channel: IrcChannel): RoomAlias {
    const alias = `#${this.localpartFor(network, channel)}:${this.server}`;
    if (Buffer.byteLength(alias, 'utf8') > MAX_ALIAS_BYTES) throw new AliasTooLongError(channel);
    return asRoomAlias(alias);
  }

  /** Parses an alias localpart (without the alias sigil); undefined when it is not a portal. */
  parseLocalpart(localpart: string): { network: NetworkId; channel: IrcChannel } | undefined {
    const match = this.pattern.exec(localpart);
    if (!match) return undefined;
    const hasNetwork = match.length === 3;
    const network = hasNetwork ? match[this.networkFirst ? 1 : 2] : this.network;
    const escaped = hasNetwork ? match[this.networkFirst ? 2 : 1] : match[1];
    if (network === undefined || escaped === undefined || !isNetworkId(network)) return undefined;
    const channel = unescapeAliasPart(escaped);
    if (channel === undefined || !isIrcChannel(channel, this.chanTypes)) return undefined;
    return { network, channel };
  }

  /** Parses a full alias; undefined unless it is a portal alias on this homeserver. */
  parseAlias(alias: RoomAlias | string): { network: NetworkId; channel: IrcChannel } | undefined {
    if (!alias.startsWith('#')) return undefined;
    const colon = alias.indexOf(':');
    if (colon < 0 || alias.slice(colon + 1) !== this.server) return undefined;
    return this.parseLocalpart(alias.slice(1, colon));
  }

  /** The regex for the registration's exclusive alias namespace. */
  namespaceRegex(): string {
    const body = this.template
      .split(/\$NETWORK|\$CHANNEL/)
      .map(escapeRegex)
      .join('.*')
      .replace(/(\.\*)+/g, '.*');
    return `#${body}:${escapeRegex(this.server)}`;
  }
}
