/**
 * The bridge's parts, assembled once in dependency order by `assembleRuntime` (called from
 * `IrcConnector.start`). Every handler and the admin and provisioning operations name the narrow
 * parts they use (parts.ts, or a type beside them); the dispatcher passes this record, which
 * satisfies each, so none can reach for a part it did not declare.
 */
import type { BridgeContext, Logger, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcBridgeConfig } from './config/types';
import { AwayPresence } from './ghosts/away-presence';
import { GhostSync } from './ghosts/ghost-sync';
import { MessageRefs } from './handlers/message-refs';
import type { IrcOutbox } from './handlers/irc-to-matrix/outbox-kinds';
import type { Clock } from './irc/clock';
import { PortalAliases } from './mapping/alias';
import { GhostUserIds } from './mapping/ghost-ids';
import type { MediaLinks } from './media/links';
import { createIrcMetrics } from './metrics';
import type { IrcNetworks } from './network/directory';
import type { Diagnostics, GhostResolver, MatrixSide, MemberNames, NetworkDirectory, RoomTasks, Speaker } from './parts';
import { ChannelFlagStore } from './portals/channel-modes';
import { Portals } from './portals/portals';
import { portalSpeaker } from './portals/speaker';
import { roomTaskRunner } from './room-task';
import { ModerationGate } from './policy/moderation';

export interface BridgeRuntime extends Diagnostics, MatrixSide, NetworkDirectory, GhostResolver, RoomTasks, Speaker, MemberNames {
  /** Replaced as a whole by a config reload (reload.ts): read it at use, never keep it. */
  config: IrcBridgeConfig;
  readonly ghosts: GhostUserIds;
  readonly aliases: PortalAliases;
  readonly portals: Portals;
  /** The modes last seen per channel (kept in memory, stored behind). */
  readonly channelFlags: ChannelFlagStore;
  readonly refs: MessageRefs;
  readonly media: MediaLinks;
  /** Time for debouncing and pacing (a TestClock in tests). */
  readonly clock: Clock;
  /**
   * Ghost membership, names and power levels kept in step with the channels; its `renames`
   * says which ghost speaks for a nick (after a NICK, the ghost the person already had).
   */
  readonly ghostSync: GhostSync;
  /** IRC away → ghost presence, coalesced and paced (networks with `away_presence`). */
  readonly awayPresence: AwayPresence;
  /** What IRC said, journaled and delivered to Matrix in the room's order (handlers/irc-to-matrix/outbox.ts). */
  readonly outbox: IrcOutbox;
  /** The core's moderation policy lists applied to Matrix users (policy/moderation.ts). */
  readonly moderation: ModerationGate;
  /** How long IRC → Matrix work is held through a homeserver outage (`homeserver_outage.retry_minutes`; 0 = not held). */
  readonly maxHoldMs: number;
}

/**
 * Away changes wait 2 s for the next (auto-away scripts flap), then go out at 5 a second at most,
 * refreshes included (presence is a courtesy, and each update fans out to every user sharing a
 * room with the ghost): about 100 away users' presence can be held up at once. Refreshed every
 * 20 s, within Synapse's 30 s timeout for users that do not sync.
 */
const AWAY_PRESENCE_PACING = { settleMs: 2_000, refreshMs: 20_000, perSecond: 5, maxGhosts: 10_000 };

/** Everything but the outbox, whose deliveries use the rest. */
export type RuntimeBeforeOutbox = Omit<BridgeRuntime, 'outbox'>;

/**
 * Builds every part once, each from the parts before it; the outbox last (`defineIrcOutbox`,
 * passed in so this file imports no handler). `networks` is the directory the
 * composition root fills before any network starts (the networks deliver to handlers that read it).
 */
export function assembleRuntime(
  ctx: BridgeContext, config: IrcBridgeConfig, log: Logger, media: MediaLinks, clock: Clock, networks: IrcNetworks,
  defineOutbox: (parts: RuntimeBeforeOutbox) => IrcOutbox,
): BridgeRuntime {
  const metrics = createIrcMetrics(ctx.metrics);
  const maxHoldMs = config.homeserverOutage.retryMinutes * 60_000;
  const roomTask = roomTaskRunner(ctx, { log, metrics }, maxHoldMs);
  // The registration's prefix (ctx.ghosts), which the config's ghost_prefix was checked against.
  const ghosts = new GhostUserIds({ prefix: ctx.ghosts.prefix, server: ctx.domain });
  const portals = new Portals(ctx.store.portals, log);
  const network = (id: string) => networks.network(id);
  const all = () => networks.networks();
  const ghostSync = new GhostSync({ ctx, config, log, metrics, ghosts, portals, roomTask, network, networks: all }, clock);
  const speaker = portalSpeaker({ ctx, portals, networks, ghosts: ghostSync });
  const awayPresence = new AwayPresence({
    clock, ...AWAY_PRESENCE_PACING,
    send: (ghost, state, statusMsg) => ctx.intent(ghost).setPresence(state, statusMsg),
    onProblem: (ghost, problem) => log.warn('Could not mirror an IRC away state as presence', { ghost, problem }),
  });
  const parts: RuntimeBeforeOutbox = {
    ctx, config, log, metrics, ghosts, portals, media, clock, ghostSync, awayPresence, maxHoldMs, roomTask, network, networks: all,
    moderation: new ModerationGate({ ctx, log, metrics, networks: all }),
    aliases: new PortalAliases({ template: config.aliasTemplate, server: ctx.domain, network: [...config.networks.keys()][0] }),
    channelFlags: new ChannelFlagStore(ctx.store.kv, log),
    refs: new MessageRefs(ctx.store),
    ghost: (net, nick) => ghostSync.ghost(net, nick),
    ghostIntent: (net, ghost) => ghostSync.ghostIntent(net, ghost),
    tell: speaker.tell,
    speakerIn: speaker.speakerIn,
    displayNameOf: (roomId, userId) => displayNameOf(ctx, log, roomId, userId),
  };
  // One object, so a reload's new `config` is what the outbox's deliveries read too.
  return Object.assign(parts, { outbox: defineOutbox(parts) });
}

async function displayNameOf(ctx: BridgeContext, log: Logger, roomId: RoomId, userId: UserId): Promise<string | undefined> {
  try {
    // From the core's member cache: the member events pushed to the bridge, or one state request.
    const name = await ctx.members.displayName(roomId, userId);
    if (name !== undefined) return nameOrUndefined(name);
  } catch (error) {
    // The bot is not in private chats (DMs with a ghost), so it cannot read their state.
    log.debug('Room member state not readable; using the global profile', { roomId, userId, error: (error as Error).message });
  }
  try {
    return nameOrUndefined((await ctx.bot.getProfile(userId))?.displayName);
  } catch (error) {
    log.debug('No display name for user', { roomId, userId, error: (error as Error).message });
    return undefined;
  }
}

function nameOrUndefined(name: unknown): string | undefined {
  return typeof name === 'string' && name.trim() ? name : undefined;
}
