/**
 * What every handler is given: the bridge's parts, assembled once in `IrcConnector.start`. A
 * handler reaches the network runtime, the portals and the Matrix side only through this.
 */
import type { BridgeContext, Intent, Logger, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcBridgeConfig } from './config/types';
import type { GhostSync } from './ghosts/ghost-sync';
import type { Clock } from './irc/clock';
import type { IrcNick, NetworkId } from './mapping/ids';
import type { PortalAliases } from './mapping/alias';
import type { GhostUserIds } from './mapping/ghost-ids';
import type { MediaLinks } from './media/links';
import type { IrcMetrics } from './metrics';
import type { IrcNetwork } from './network/network';
import type { Portals } from './portals/portals';
import type { MessageRefs } from './handlers/message-refs';

export interface BridgeRuntime {
  readonly ctx: BridgeContext;
  readonly config: IrcBridgeConfig;
  readonly log: Logger;
  readonly metrics: IrcMetrics;
  readonly ghosts: GhostUserIds;
  readonly aliases: PortalAliases;
  readonly portals: Portals;
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
}
