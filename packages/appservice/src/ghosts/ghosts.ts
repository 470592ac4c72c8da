/**
 * `ctx.ghosts`: from a remote identity to the Matrix user that speaks for it.
 *
 * User IDs come from user-ids.ts. When an identity's own ID already speaks for another identity
 * (the remote side reused a name, e.g. an IRC nick taken over), it gets the first free variant,
 * `…_2`, `…_3`. The link is stored, so the reverse lookup works and a
 * restart keeps everyone apart; the profile is written only when it differs from the last one
 * written (a hash kept in the store, so a restart does not rewrite every ghost's profile).
 */
import { createHash } from 'node:crypto';
import type { UserId } from '../ids';
import type { Intent, Profile } from '../intent/types';
import type { GhostLink, GhostRepository } from '../store/types';
import { createGhostUserIds, type GhostIdentity, type GhostUserIdGrammar, type GhostUserIdOptions } from './user-ids';

/** `ctx.ghosts`: the Matrix user that speaks for each remote identity, its link and its profile. */
export interface Ghosts extends GhostUserIdGrammar {
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

/** What `createGhosts` needs: the naming rules, the stored links, a way to get intents. */
export interface GhostsOptions extends GhostUserIdOptions {
  links: GhostRepository;
  intent(userId: UserId): Intent;
}

export function createGhosts(options: GhostsOptions): Ghosts {
  const { links } = options;
  const ids = createGhostUserIds(options);
  const { userIdFor } = ids;

  const setProfile = async (userId: UserId, profile: Profile): Promise<boolean> => {
    const hash = profileHash(profile);
    if ((await links.profileHashOf(userId)) === hash) return false;
    await options.intent(userId).ensureProfile(profile);
    await links.setProfileHash(userId, hash);
    return true;
  };

  return {
    ...ids,
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
