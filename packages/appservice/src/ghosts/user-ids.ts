/**
 * The ghosts' user ID grammar, without any I/O: `@<prefix><network>_<escaped remote ID>:<server>`
 * (or `@<prefix><escaped remote ID>:<server>` for a connector with one network), the remote ID
 * escaped with the spec's reversible mapping (localpart.ts). Variant n ≥ 2 of an ID (for a second
 * identity wanting the same name) appends `_<n>`: an escaped ID never has `_` before a digit, so
 * a variant is never another name's own ID and each ID parses back to one (identity, variant).
 */
import type { UserId } from '../ids';
import { buildUserId, escapeLocalpart, unescapeLocalpart } from './localpart';

/** Who a ghost stands for: a user of a remote network. */
export interface GhostIdentity {
  network: string;
  /** The remote user's ID on that network, any string (escaped into the localpart). */
  remoteId: string;
}

/** How ghost user IDs are built: the prefix, the server name, whether the network is part of them. */
export interface GhostUserIdOptions {
  /** The localpart prefix (from the registration's user namespace), e.g. `_irc_`. */
  prefix: string;
  /** The homeserver's server name. */
  domain: string;
  /** false: localparts are `<prefix><remote ID>` (a connector with one network). Default true. */
  includeNetwork?: boolean;
}

/** Remote identity ↔ ghost user ID, both ways, without any I/O. */
export interface GhostUserIdGrammar {
  /** The ghosts' localpart prefix, from the registration (e.g. `_irc_`). */
  readonly prefix: string;
  /**
   * The user ID a remote identity gets. `variant` ≥ 2 names the further ghosts of a reused name.
   * @throws InvalidUserIdError when the ID would be invalid (too long) — before any request.
   */
  userIdFor(identity: GhostIdentity, variant?: number): UserId;
  /** The inverse of `userIdFor`; undefined for a user ID that is not one of these ghosts. */
  parse(userId: string): (GhostIdentity & { variant: number }) | undefined;
}

/** A network name that is its own escape: `_` ends it in a localpart, unambiguously. */
const NETWORK = /^[a-z0-9][a-z0-9.-]*$/;
/** `<escaped name>_<variant>`, variant ≥ 2 without leading zeros. */
const VARIANT = /^(.+)_([2-9]|[1-9][0-9]+)$/;

export function createGhostUserIds(options: GhostUserIdOptions): GhostUserIdGrammar {
  const { prefix, domain } = options;
  const includeNetwork = options.includeNetwork ?? true;
  // The prefix alone must already be a valid localpart start (checked with a stand-in name).
  buildUserId(`${prefix}x`, domain);

  return {
    prefix,
    userIdFor(identity, variant = 1) {
      if (!Number.isSafeInteger(variant) || variant < 1) throw new RangeError(`Invalid ghost variant ${variant}: expected an integer ≥ 1`);
      if (includeNetwork && !NETWORK.test(identity.network)) {
        throw new TypeError(`Network name ${JSON.stringify(identity.network)} cannot be part of a user ID: use lower-case letters, digits, "." and "-"`);
      }
      const name = escapeLocalpart(identity.remoteId);
      if (!name) throw new TypeError('A ghost needs a non-empty remote ID');
      const localpart = `${prefix}${includeNetwork ? `${identity.network}_` : ''}${name}${variant > 1 ? `_${variant}` : ''}`;
      return buildUserId(localpart, domain) as UserId;
    },
    parse(userId) {
      const colon = userId.indexOf(':');
      if (!userId.startsWith('@') || colon < 0 || userId.slice(colon + 1) !== domain) return undefined;
      const localpart = userId.slice(1, colon);
      if (!localpart.startsWith(prefix)) return undefined;
      let rest = localpart.slice(prefix.length);
      let network = '';
      if (includeNetwork) {
        const sep = rest.indexOf('_');
        network = rest.slice(0, sep);
        if (sep <= 0 || !NETWORK.test(network)) return undefined;
        rest = rest.slice(sep + 1);
      }
      const own = unescapeLocalpart(rest);
      if (own !== undefined && own !== '') return { network, remoteId: own, variant: 1 };
      const suffixed = VARIANT.exec(rest);
      const name = suffixed ? unescapeLocalpart(suffixed[1] as string) : undefined;
      return suffixed && name ? { network, remoteId: name, variant: Number(suffixed[2]) } : undefined;
    },
  };
}
