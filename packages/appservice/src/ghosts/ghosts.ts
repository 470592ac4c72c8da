/**
 * `ctx.ghosts`: from a remote identity to the Matrix user that speaks for it.
 *
 * A ghost's user ID is `@<prefix><network>_<escaped remote ID>:<server>` (or without the network
 * part, for a connector with one network), the prefix read from the registration and the remote
 * ID escaped with the spec's reversible mapping (localpart.ts). When that ID already speaks for
 * another identity (the remote side reused a name, e.g. an IRC nick taken over), the identity
 * gets the first free variant, `…_2`, `…_3`: an escaped ID never has `_` before a digit, so a
 * variant is never another name's own ID. The link is stored, so the reverse lookup works and a
 * restart keeps everyone apart; the profile is written only when it differs from the last one
 * written (a hash kept in the store, so a restart does not rewrite every ghost's profile).
 */
import { createHash } from 'node:crypto';
import type { UserId } from '../ids';
import type { Intent, Profile } from '../intent/types';
import type { GhostLink, GhostRepository } from '../store/types';
import { buildUserId, escapeLocalpart, unescapeLocalpart } from './localpart';

/** Who a ghost stands for: a user of a remote network. */
export interface GhostIdentity {
  network: string;
  /** The remote user's ID on that network, any string (escaped into the localpart). */
  remoteId: string;
}

export interface Ghosts {
  /** The ghosts' localpart prefix, from the registration (e.g. `_irc_`). */
  readonly prefix: string;
  /**
   * The user ID a remote identity gets, without any I/O. `variant` ≥ 2 names the further ghosts
   * of a reused name. @throws InvalidUserIdError when the ID would be too long.
   */
  userIdFor(identity: GhostIdentity, variant?: number): UserId;
  /** The inverse of `userIdFor`; undefined for a user ID that is not one of these ghosts. */
  parse(userId: string): (GhostIdentity & { variant: number }) | undefined;
  /**
   * The intent of the ghost that speaks for `identity` (its stored link, else a new one, linked
   * now), with `profile` written when it changed since the last write.
   * @throws InvalidUserIdError before any request when the identity cannot have a valid user ID.
   */
  intentFor(identity: GhostIdentity & { profile?: Profile }): Promise<Intent>;
  /** Writes the ghost's profile unless it is the one written last; returns whether it wrote. */
  setProfile(userId: UserId, profile: Profile): Promise<boolean>;
  /** Which remote identity a ghost speaks for (its stored link). */
  remoteOf(userId: UserId): Promise<GhostLink | undefined>;
}

export interface GhostsOptions {
  prefix: string;
  domain: string;
  /** false: localparts are `<prefix><remote ID>` (a connector with one network). Default true. */
  includeNetwork?: boolean;
  links: GhostRepository;
  intent(userId: UserId): Intent;
}

/** A network name that is its own escape: `_` ends it in a localpart, unambiguously. */
const NETWORK = /^[a-z0-9][a-z0-9.-]*$/;
/** `<escaped name>_<variant>`, variant ≥ 2 without leading zeros. */
const VARIANT = /^(.+)_([2-9]|[1-9][0-9]+)$/;

export function createGhosts(options: GhostsOptions): Ghosts {
  const { prefix, domain, links } = options;
  const includeNetwork = options.includeNetwork ?? true;

  const userIdFor = (identity: GhostIdentity, variant = 1): UserId => {
    if (!Number.isSafeInteger(variant) || variant < 1) throw new RangeError(`Invalid ghost variant ${variant}: expected an integer ≥ 1`);
    if (includeNetwork && !NETWORK.test(identity.network)) {
      throw new TypeError(`Network name ${JSON.stringify(identity.network)} cannot be part of a user ID: use lower-case letters, digits, "." and "-"`);
    }
    const name = escapeLocalpart(identity.remoteId);
    if (!name) throw new TypeError('A ghost needs a non-empty remote ID');
    const localpart = `${prefix}${includeNetwork ? `${identity.network}_` : ''}${name}${variant > 1 ? `_${variant}` : ''}`;
    return buildUserId(localpart, domain) as UserId;
  };

  const parse = (userId: string): (GhostIdentity & { variant: number }) | undefined => {
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
  };

  const setProfile = async (userId: UserId, profile: Profile): Promise<boolean> => {
    const hash = profileHash(profile);
    if ((await links.profileHashOf(userId)) === hash) return false;
    await options.intent(userId).ensureProfile(profile);
    await links.setProfileHash(userId, hash);
    return true;
  };

  return {
    prefix,
    userIdFor,
    parse,
    setProfile,
    async intentFor({ profile, ...identity }) {
      userIdFor(identity); // refuses an impossible ID before anything is stored or sent
      const link = await links.resolve(identity.network, identity.remoteId, (variant) => userIdFor(identity, variant));
      if (profile && (profile.displayName !== undefined || profile.avatarUrl !== undefined)) await setProfile(link.userId, profile);
      return options.intent(link.userId);
    },
    remoteOf: (userId) => links.byUserId(userId),
  };
}

/** Stable over key order and absent fields: the same profile always hashes the same. */
export function profileHash(profile: Profile): string {
  return createHash('sha256').update(JSON.stringify([profile.displayName ?? null, profile.avatarUrl ?? null])).digest('hex');
}
