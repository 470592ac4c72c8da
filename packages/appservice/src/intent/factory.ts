import { LruMap } from '../cache/lru-map';
import type { Gauge } from 'prom-client';
import type { CsApiClient } from '../csapi/client';
import type { MatrixEvent } from '../events';
import { isUserId, serverNameOf, type UserId } from '../ids';
import type { Logger } from '../log/types';
import { BridgeIntent, type IntentContext } from './intent';
import { defaultCacheLimits, IntentState, type CacheName, type IntentCacheLimits } from './state';
import type { Intent } from './types';

export interface IntentFactoryDeps {
  client: CsApiClient;
  /** The homeserver's server name: ghosts must live on it. */
  domain: string;
  botUserId: UserId;
  /** Is this user in the bridge's exclusive user namespace? (The bot is always allowed.) */
  isBridgeUser(userId: UserId): boolean;
  log: Logger;
  cacheLimits?: Partial<IntentCacheLimits>;
  metrics?: {
    /** Entries per cache (`intents`, `registered`, `memberships`, `profiles`). */
    cacheEntries: Gauge<'cache'>;
  };
}

export interface IntentFactory {
  /** The intent of a user in the bridge's namespace, or of the bot. Throws for anyone else. */
  intent(userId: UserId): Intent;
  readonly bot: Intent;
  /**
   * Feed every `m.room.member` event the homeserver pushes, so the caches follow kicks, leaves
   * and bans of the bridge's users instead of trusting a stale "joined".
   */
  onMemberEvent(event: MatrixEvent): void;
  cacheSizes(): Record<CacheName, number>;
}

export function createIntentFactory(deps: IntentFactoryDeps): IntentFactory {
  const limits = { ...defaultCacheLimits, ...deps.cacheLimits };
  const state = new IntentState(limits, deps.metrics?.cacheEntries);
  const intents = new LruMap<UserId, BridgeIntent>(limits.intents);
  const ctx: IntentContext = { client: deps.client, state, log: deps.log, bot: () => bot };
  const bot = new BridgeIntent(deps.botUserId, true, ctx);

  const isManaged = (userId: UserId) => userId === deps.botUserId || deps.isBridgeUser(userId);

  return {
    bot,
    intent(userId: UserId): Intent {
      if (userId === deps.botUserId) return bot;
      let intent = intents.get(userId);
      if (intent) return intent;
      if (!isUserId(userId) || serverNameOf(userId) !== deps.domain || !deps.isBridgeUser(userId)) {
        throw new RangeError(
          `Cannot act as ${JSON.stringify(userId)}: only users of the bridge's user namespace on ${deps.domain} can be puppeted — check namespaces.users in the registration`,
        );
      }
      intent = new BridgeIntent(userId, false, ctx);
      intents.set(userId, intent);
      state.report('intents', intents.size);
      return intent;
    },

    onMemberEvent(event: MatrixEvent): void {
      if (event.type !== 'm.room.member' || event.stateKey === undefined || !isUserId(event.stateKey)) return;
      const userId = event.stateKey;
      if (!isManaged(userId)) return;
      const membership = event.content.membership;
      state.setJoined(userId, event.roomId, membership === 'join');
      if (membership === 'join') {
        // A profile change we did not make (or missed): forget it, the next ensureProfile reads it again.
        const known = state.profileOf(userId);
        const { displayname, avatar_url: avatarUrl } = event.content;
        if (known && ((displayname !== undefined && displayname !== known.displayName) || (avatarUrl !== undefined && avatarUrl !== known.avatarUrl))) {
          state.setProfile(userId, undefined);
        }
      }
    },

    cacheSizes() {
      return { intents: intents.size, ...state.sizes() };
    },
  };
}
