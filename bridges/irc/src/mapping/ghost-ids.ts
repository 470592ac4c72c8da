/**
 * IRC nick ↔ ghost Matrix user ID, `@<prefix><network>_<escaped nick>:<server>`: the core's ghost
 * user ID grammar (`createGhostUserIds`: the spec's reversible localpart escaping, the 255-byte
 * limit) with IRC's own rules on top — a network ID and an IRC nick are what parse back.
 *
 * Case survives (`A` → `_a`): Alice and alice are different IRC users until the server folds
 * them, so the ID is made from the nick as spelled; lookups of who holds a nick use the network's
 * casefolding (ghosts/renames.ts).
 *
 * A nick has further ghosts for when its own is still taken by someone else (ghosts/renames.ts:
 * alice renamed to alice2 keeps `…_alice`, so a new alice gets `…_alice_2`): the core's variants.
 */
import type { UserId } from '@bridgekit/appservice';
import { createGhostUserIds, escapeLocalpart, InvalidUserIdError, unescapeLocalpart, type GhostUserIdGrammar } from '@bridgekit/appservice';
import { IrcError } from '../irc/errors';
import { isIrcNick, isNetworkId, type IrcNick, type NetworkId } from './ids';

/** Thrown when a nick's escaped form would not fit the spec's 255-byte user ID limit. */
export class GhostIdTooLongError extends IrcError {
  constructor(readonly nick: string) {
    super('IRC_GHOST_ID_TOO_LONG', `The IRC nick ${JSON.stringify(nick)} is too long to become a Matrix user ID (255 bytes max after escaping); this user cannot be bridged. A shorter ghost prefix or server name leaves more room.`);
    this.name = 'GhostIdTooLongError';
  }
}

/** What a ghost user ID says: whose nick it was made from, and which copy (1 = the nick's own). */
export interface ParsedGhostId {
  network: NetworkId;
  nick: IrcNick;
  /** Present (≥ 2) only for the further ghosts of a nick whose own ghost was taken. */
  copy?: number;
}

/** The spec's escaping (the core's); kept under IRC's name for its callers. */
export const escapeNick = escapeLocalpart;
export const unescapeNick = unescapeLocalpart;

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
  private readonly grammar: GhostUserIdGrammar;

  /** `prefix`: `ctx.ghosts.prefix` at run time (the registration's), the config's when checking it. */
  constructor(options: GhostUserIdsOptions) {
    if (!options.server || /[\s:@]/.test(options.server.replace(/:\d+$/, ''))) {
      throw new TypeError(`Invalid homeserver name ${JSON.stringify(options.server)}: expected a server name such as "example.org".`);
    }
    if (!options.prefix) throw new TypeError('Invalid ghost user prefix "": use lower-case letters, digits and "._=-/", e.g. "_irc_".');
    try {
      this.grammar = createGhostUserIds({ prefix: options.prefix, domain: options.server });
    } catch {
      throw new TypeError(`Invalid ghost user prefix ${JSON.stringify(options.prefix)}: use lower-case letters, digits and "._=-/", e.g. "_irc_".`);
    }
    this.prefix = options.prefix;
    this.server = options.server;
  }

  /** `copy` 1 is the nick's own ghost; 2, 3, ... are the ghosts of later people with that nick. */
  localpartFor(network: NetworkId, nick: IrcNick, copy = 1): string {
    if (!Number.isSafeInteger(copy) || copy < 1) throw new RangeError(`Invalid ghost copy ${copy}: expected an integer ≥ 1.`);
    return `${this.prefix}${network}_${escapeNick(nick)}${copy > 1 ? `_${copy}` : ''}`;
  }

  /** @throws GhostIdTooLongError when the escaped nick does not fit in a user ID. */
  userIdFor(network: NetworkId, nick: IrcNick, copy = 1): UserId {
    try {
      return this.grammar.userIdFor({ network, remoteId: nick }, copy);
    } catch (error) {
      if (error instanceof InvalidUserIdError) throw new GhostIdTooLongError(nick);
      throw error;
    }
  }

  /** Parses a localpart; undefined when it is not one of this bridge's ghosts. */
  parseLocalpart(localpart: string): ParsedGhostId | undefined {
    return this.parseUserId(`@${localpart}:${this.server}`);
  }

  /** Parses a full user ID; undefined unless it is a ghost of this bridge on this homeserver. */
  parseUserId(userId: UserId | string): ParsedGhostId | undefined {
    const parsed = this.grammar.parse(userId);
    if (!parsed || !isNetworkId(parsed.network) || !isIrcNick(parsed.remoteId)) return undefined;
    return { network: parsed.network, nick: parsed.remoteId, ...(parsed.variant > 1 ? { copy: parsed.variant } : {}) };
  }

  /** The regex for the registration's exclusive user namespace. */
  namespaceRegex(): string {
    return `@${escapeRegex(this.prefix)}.*:${escapeRegex(this.server)}`;
  }
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
