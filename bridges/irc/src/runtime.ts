/**
 * What every handler is given: the bridge's parts, assembled once in `IrcConnector.start`. A
 * handler reaches the network runtime, the portals and the Matrix side only through this.
 */
import { IngestorStoppedError, tellUser, type BridgeContext, type Intent, type Logger, type RoomId, type UserId } from '@bridgekit/appservice';
import type { IrcBridgeConfig } from './config/types';
import { GhostSync } from './ghosts/ghost-sync';
import { MessageRefs } from './handlers/message-refs';
import type { Clock } from './irc/clock';
import { PortalAliases } from './mapping/alias';
import { GhostUserIds } from './mapping/ghost-ids';
import type { IrcNick, NetworkId } from './mapping/ids';
import { isIrcError } from './irc/errors';
import type { MediaLinks } from './media/links';
import { createIrcMetrics, type IrcMetrics } from './metrics';
import type { IrcNetwork } from './network/network';
import { ChannelFlagStore } from './portals/channel-modes';
import { Portals } from './portals/portals';
import { chatGhost } from './portals/private-chats';
import { isChannelNameRefusal, refuseChannel } from './portals/refused-channels';
import type { IrcOutbox } from './handlers/irc-to-matrix/outbox';

export interface BridgeRuntime {
  readonly ctx: BridgeContext;
  readonly config: IrcBridgeConfig;
  readonly log: Logger;
  readonly metrics: IrcMetrics;
  readonly ghosts: GhostUserIds;
  readonly aliases: PortalAliases;
  readonly portals: Portals;
  /** The modes last seen per channel (kept in memory, stored behind). */
  readonly channelFlags: ChannelFlagStore;
  readonly refs: MessageRefs;
  readonly media: MediaLinks;
  /** Time for debouncing and pacing (a FakeClock in tests). */
  readonly clock: Clock;
  /**
   * Ghost membership, names and power levels kept in step with the channels; its `renames`
   * says which ghost speaks for a nick (after a NICK, the ghost the person already had).
   */
  readonly ghostSync: GhostSync;
  network(id: NetworkId | string): IrcNetwork | undefined;
  networks(): IrcNetwork[];
  /** The ghost that speaks for an IRC nick (`ghostSync.renames`), registered and with the nick as display name. */
  ghost(network: IrcNetwork, nick: IrcNick): Promise<Intent>;
  /**
   * A ghost worked out earlier (when its IRC line arrived: `ghostSync.ghostOf`), registered and
   * named after the nick it speaks for now, so a rename in between neither moves the line to
   * another ghost nor brings back an older name.
   */
  ghostIntent(network: IrcNetwork, ghost: UserId): Promise<Intent>;
  /**
   * The user's display name in the room (for nick templates), when they have one; their global
   * profile's where the bot cannot read the room (private chats, which the bot is not in).
   */
  displayNameOf(roomId: RoomId, userId: UserId): Promise<string | undefined>;
  /**
   * State sync in the room's turn (the core's `inRoomOrder` with retry): after everything queued
   * for the room before it, held through a homeserver outage with the core's backoff. Not
   * journaled: only for work that carries nothing IRC said (what IRC said goes through `outbox`).
   * Failures are logged and counted, never thrown. Call it synchronously from IRC listeners (to
   * keep order). A task may run more than once: keep it free of one-off side effects before its
   * Matrix writes.
   */
  roomTask(roomId: RoomId, what: string, task: () => Promise<void>): void;
  /** What IRC said, journaled and delivered to Matrix in the room's order (handlers/irc-to-matrix/outbox.ts). */
  readonly outbox: IrcOutbox;
  /** How long IRC → Matrix work is held through a homeserver outage (`homeserver_outage.retry_minutes`; 0 = not held). */
  readonly maxHoldMs: number;
  /**
   * Tells `userId` something in the room as an m.notice from the bot, mentioning them. Awaited
   * inside the room's turn (Matrix handlers); from IRC events wrap it in `roomTask`.
   */
  tell(roomId: RoomId, userId: UserId, text: string): Promise<void>;
  /** Who speaks notices in the room: the bot, or in a private chat (which the bot is not in) its ghost. */
  speakerIn(roomId: RoomId): Promise<Intent>;
}

/** The runtime handlers see, assembled by `IrcConnector.start` (the interface above describes each member). */
export class IrcBridgeRuntime implements BridgeRuntime {
  readonly metrics: IrcMetrics;
  readonly ghosts: GhostUserIds;
  readonly aliases: PortalAliases;
  readonly portals: Portals;
  readonly channelFlags: ChannelFlagStore;
  readonly refs: MessageRefs;
  readonly ghostSync: GhostSync;
  readonly maxHoldMs: number;
  outbox!: IrcOutbox;
  private readonly byId = new Map<string, IrcNetwork>();

  constructor(readonly ctx: BridgeContext, readonly config: IrcBridgeConfig, readonly log: Logger, readonly media: MediaLinks, readonly clock: Clock) {
    this.metrics = createIrcMetrics(ctx.metrics);
    this.maxHoldMs = config.homeserverOutage.retryMinutes * 60_000;
    // The registration's prefix (ctx.ghosts), which the config's ghost_prefix was checked against.
    this.ghosts = new GhostUserIds({ prefix: ctx.ghosts.prefix, server: ctx.domain });
    this.aliases = new PortalAliases({ template: config.aliasTemplate, server: ctx.domain, network: [...config.networks.keys()][0] });
    this.portals = new Portals(ctx.store.portals, log);
    this.channelFlags = new ChannelFlagStore(ctx.store.kv, log);
    this.refs = new MessageRefs(ctx.store);
    this.ghostSync = new GhostSync(this, clock);
  }

  addNetwork(network: IrcNetwork): void {
    this.byId.set(network.id, network);
  }

  network(id: NetworkId | string): IrcNetwork | undefined {
    return this.byId.get(id);
  }

  networks(): IrcNetwork[] {
    return [...this.byId.values()];
  }

  async ghost(network: IrcNetwork, nick: IrcNick): Promise<Intent> {
    const intent = this.ctx.intent(this.ghostSync.renames.userIdFor(network, nick));
    await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  async ghostIntent(network: IrcNetwork, ghost: UserId): Promise<Intent> {
    const intent = this.ctx.intent(ghost);
    const nick = this.ghostSync.renames.nickOf(network, ghost);
    if (nick !== undefined) await intent.ensureProfile({ displayName: nick });
    return intent;
  }

  async displayNameOf(roomId: RoomId, userId: UserId): Promise<string | undefined> {
    try {
      // From the core's member cache: the member events pushed to the bridge, or one state request.
      const name = await this.ctx.members.displayName(roomId, userId);
      if (name !== undefined) return nameOrUndefined(name);
    } catch (error) {
      // The bot is not in private chats (DMs with a ghost), so it cannot read their state.
      this.log.debug('Room member state not readable; using the global profile', { roomId, userId, error: (error as Error).message });
    }
    try {
      return nameOrUndefined((await this.ctx.bot.getProfile(userId))?.displayName);
    } catch (error) {
      this.log.debug('No display name for user', { roomId, userId, error: (error as Error).message });
      return undefined;
    }
  }

  roomTask(roomId: RoomId, what: string, task: () => Promise<void>): void {
    // Only the homeserver's failures hold the room: an IRC-side error (a BridgeError too, maybe
    // retriable) is the task's own outcome, reported below, never a reason to stall the room.
    const homeserverFailuresHeld = async () => {
      try {
        await task();
      } catch (error) {
        if (!isIrcError(error)) throw error;
        this.metrics.handlerErrors.inc({ handler: what });
        this.log.error('Room task failed', { task: what, roomId, error: error.message });
      }
    };
    this.ctx.inRoomOrder(roomId, homeserverFailuresHeld, { retry: this.maxHoldMs > 0, maxHoldMs: this.maxHoldMs, name: what }).catch((error: Error) => {
      // State sync is redone after a restart: a task the shutdown cancelled is no failure.
      if (error instanceof IngestorStoppedError) return this.log.debug('Room task not run: the bridge is stopping', { task: what, roomId });
      this.metrics.handlerErrors.inc({ handler: what });
      this.log.error('Room task failed', { task: what, roomId, error: error.message });
    });
  }

  async speakerIn(roomId: RoomId): Promise<Intent> {
    // The bot is not in private chats (they are DMs with a ghost): the ghost says it there.
    const chat = this.portals.privateChatOfRoom(roomId);
    const network = chat && this.network(chat.network);
    return chat && network ? chatGhost(this, network, chat) : this.ctx.bot;
  }

  async tell(roomId: RoomId, userId: UserId, text: string): Promise<void> {
    await tellUser(await this.speakerIn(roomId), { roomId, userId }, text);
  }

  /**
   * A join that failed after a (re)connect: the people in the bridged rooms should know. The
   * bot refused for the channel's very name stops trying (portals/refused-channels.ts).
   */
  reportJoinFailure(network: IrcNetwork, channel: string, error: Error, userId?: UserId): void {
    if (!userId && isChannelNameRefusal(error)) {
      refuseChannel(this, network, channel, error);
      return;
    }
    for (const roomId of this.portals.roomsForChannel(network, channel)) {
      if (userId) {
        this.roomTask(roomId, 'irc.join-failed', () => this.tell(roomId, userId, `Your IRC connection could not rejoin ${channel}: ${error.message}`));
      } else {
        this.roomTask(roomId, 'irc.join-failed', async () => {
          await this.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body: `The bridge could not join ${channel} on ${network.config.name}: ${error.message} Messages from IRC will not arrive until it can.` });
        });
      }
    }
  }

  /** The user's admin rooms (DMs with the bot), once the admin module is up. */
  adminRoomsOf: (userId: UserId) => Promise<RoomId[]> = async () => [];

  /**
   * The user's stored password could not be used (they are connected without it): they should
   * know, or they wonder why NickServ does not recognise them. Told in their admin room if they
   * have one; without one there is no private place to say it, so it is only logged.
   */
  reportLoginProblem(network: IrcNetwork, userId: UserId, error: Error): void {
    this.log.warn('Stored IRC login unusable; connecting without it', { network: network.id, userId, error: error.message });
    const text = `Your stored IRC password for ${network.config.name} could not be used, so you are connected without it. ${error.message}`;
    this.adminRoomsOf(userId).then(([room]) => {
      if (room) this.roomTask(room, 'irc.login-problem', () => this.tell(room, userId, text));
    }, (lookupError: Error) => this.log.warn('Could not look up the admin room to report a login problem', { userId, error: lookupError.message }));
  }
}

function nameOrUndefined(name: unknown): string | undefined {
  return typeof name === 'string' && name.trim() ? name : undefined;
}
