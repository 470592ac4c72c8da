/**
 * What the admin commands need from the running bridge, as narrow interfaces the IRC connector
 * implements (it owns the connections and portals; the commands own the conversation).
 */
import type { EventId, Intent, RoomAlias, RoomId, UserId } from '@bridgekit/appservice';
import type { WhoisInfo } from '../irc';
import type { IrcChannel, IrcNick, NetworkId } from '../mapping';

export interface NetworkSummary {
  id: NetworkId;
  /** Human name from the config ("Libera.Chat"). */
  name: string;
}

/** The part of a user's `IrcConnection` the commands use; an `IrcConnection` satisfies it as is. */
export interface AdminPuppet {
  readonly nick: IrcNick;
  changeNick(newNick: string): Promise<IrcNick>;
  mode(target: string, modes: string, params?: readonly string[]): Promise<void>;
  raw(line: string): Promise<void>;
}

export interface BridgedRoom {
  network: NetworkId;
  channel: IrcChannel;
  roomId: RoomId;
  /** What people type to join the room; absent when it has none the bot can see. */
  alias?: RoomAlias;
}

export interface AdminBridgeOps {
  /** Configured networks, in config order. */
  networks(): readonly NetworkSummary[];
  /** e.g. "bridgekit-irc 0.1.0 (irc-framework 4.14.0)". */
  bridgeVersion(): string;
  /** The user's connection if it is registered right now; never connects. */
  connectedPuppet(userId: UserId, network: NetworkId): AdminPuppet | undefined;
  /** The user's registered connection, connecting it first if needed (with their settings and password). */
  puppetFor(userId: UserId, network: NetworkId): Promise<AdminPuppet>;
  /**
   * WHOIS on the user's connection when it is up, else on the bot's: looking someone up never
   * puts the user on IRC. Undefined when nobody has the nick.
   */
  whois(userId: UserId, network: NetworkId, nick: IrcNick): Promise<WhoisInfo | undefined>;
  /** Closes the user's connection (if any) and connects again; resolves once registered. */
  reconnect(userId: UserId, network: NetworkId): Promise<AdminPuppet>;
  /** QUITs the user's connection and keeps it closed until they reconnect; false if none was open. */
  disconnect(userId: UserId, network: NetworkId, reason: string): Promise<boolean>;
  /** Joins on IRC as the user, makes sure the portal room exists and the user is in (or invited to) it. */
  joinChannel(userId: UserId, network: NetworkId, channel: IrcChannel, key?: string): Promise<{ roomId: RoomId; alias?: RoomAlias }>;
  /** Parts on IRC as the user and leaves the portal on Matrix; false if they were not in it. */
  partChannel(userId: UserId, network: NetworkId, channel: IrcChannel): Promise<boolean>;
  /** The channels the user's puppets are in, with their portal rooms and those rooms' aliases. */
  listRooms(userId: UserId): Promise<BridgedRoom[]>;
}

/** What the admin room does on Matrix, as the bridge bot. */
export interface AdminMatrixOps {
  readonly botUserId: UserId;
  join(roomId: RoomId): Promise<void>;
  leave(roomId: RoomId): Promise<void>;
  sendNotice(roomId: RoomId, text: string): Promise<EventId>;
  redact(roomId: RoomId, eventId: EventId, reason: string): Promise<void>;
}

/** The Matrix side from the bot's intent (`BridgeContext.bot`). */
export function matrixOpsFromIntent(bot: Intent): AdminMatrixOps {
  return {
    botUserId: bot.userId,
    join: async (roomId) => {
      await bot.join(roomId);
    },
    leave: (roomId) => bot.leave(roomId),
    sendNotice: (roomId, text) => bot.sendMessage(roomId, { msgtype: 'm.notice', body: text }),
    redact: async (roomId, eventId, reason) => {
      await bot.redact(roomId, eventId, reason);
    },
  };
}
