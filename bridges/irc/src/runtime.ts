/**
 * What every handler is given: the bridge's parts, assembled once in `IrcConnector.start`. A
 * handler reaches the network runtime, the portals and the Matrix side only through this.
 */
import { tellUser, type BridgeContext, type Intent, type Logger, type RoomId, type UserId } from '@bridgekit/appservice';
import type { IrcBridgeConfig } from './config/types';
import { GhostSync } from './ghosts/ghost-sync';
import { MessageRefs } from './handlers/message-refs';
import type { Clock } from './irc/clock';
import { PortalAliases } from './mapping/alias';
import { GhostUserIds } from './mapping/ghost-ids';
import type { IrcNick, NetworkId } from './mapping/ids';
import type { MediaLinks } from './media/links';
import { createIrcMetrics, type IrcMetrics } from './metrics';
import type { IrcNetwork } from './network/network';
import { ChannelFlagStore } from './portals/channel-modes';
import { Portals } from './portals/portals';
import { chatGhost } from './portals/private-chats';
import { isChannelNameRefusal, refuseChannel } from './portals/refused-channels';
import { RoomTasks } from './room-tasks';

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
   * Runs `task` in the room's turn, after everything queued for the room before it. Failures
   * are logged and counted, never thrown; retriable homeserver failures are retried first, the
   * room's later tasks held behind (room-tasks.ts), so an outage loses no IRC line. Must be
   * called synchronously from IRC listeners (to keep order) and never from inside a task of the
   * same room (deadlock). A task may run more than once: keep it free of one-off side effects
   * before its Matrix writes.
   */
  roomTask(roomId: RoomId, what: string, task: () => Promise<void>): void;
  /**
   * A transaction ID for one IRC → Matrix message, unique in this process and across restarts.
   * Take it when the IRC line is received (outside the task) and send with it on every attempt
   * of the task: a retry after an outage then cannot duplicate a message that did arrive.
   */
  newTxnId(): string;
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
  readonly roomTasks: RoomTasks;
  private readonly byId = new Map<string, IrcNetwork>();
  /** Start time + counter: unique across restarts (the homeserver remembers transactions for a while). */
  private readonly txnPrefix: string;
  private txnCount = 0;

  constructor(readonly ctx: BridgeContext, readonly config: IrcBridgeConfig, readonly log: Logger, readonly media: MediaLinks, readonly clock: Clock, random?: () => number) {
    this.metrics = createIrcMetrics(ctx.metrics);
    this.roomTasks = new RoomTasks({
      inRoomOrder: (roomKey, task) => ctx.inRoomOrder(roomKey, task),
      clock, log, metrics: this.metrics,
      maxRetryMs: config.homeserverOutage.retryMinutes * 60_000,
      maxHeld: config.homeserverOutage.maxHeldPerRoom,
      ...(random ? { random } : {}),
    });
    // The registration's prefix (ctx.ghosts), which the config's ghost_prefix was checked against.
    this.ghosts = new GhostUserIds({ prefix: ctx.ghosts.prefix, server: ctx.domain });
    this.aliases = new PortalAliases({ template: config.aliasTemplate, server: ctx.domain, network: [...config.networks.keys()][0] });
    this.portals = new Portals(ctx.store.portals, log);
    this.channelFlags = new ChannelFlagStore(ctx.store.kv, log);
    this.refs = new MessageRefs(ctx.store);
    this.ghostSync = new GhostSync(this, clock);
    this.txnPrefix = `irc.${clock.now().toString(36)}`;
  }

  newTxnId(): string {
    return `${this.txnPrefix}.${++this.txnCount}`;
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
    this.roomTasks.run(roomId, what, task);
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
