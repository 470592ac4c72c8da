/**
 * What the outbox carries from IRC to Matrix: the payload of each kind (plain JSON, everything
 * decided when the line arrived), the kinds themselves and the key private lines queue by. It
 * imports no handler, so the runtime can name the outbox without an import cycle.
 */
import type { OutboxKind, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcNick } from '../../mapping/ids';
import type { IrcLine } from './line-delivery';

/** One channel line for one room, as decided when it arrived (outbox payload). */
export interface ChannelLine extends IrcLine {
  roomId: RoomId;
  /** The ghost of the person who said it, then (ghosts/renames.ts). */
  speaker: UserId;
  /** The IRCv3 msgid of the line it replies to: looked up in the room's turn, when that line is stored. */
  replyTo?: string;
}

/** One private line to a Matrix user (outbox payload). */
export interface PrivateLine extends IrcLine {
  /** The Matrix user whose puppet it was sent to. */
  userId: UserId;
}

/** A channel's topic for one room (outbox payload). */
export interface TopicChange {
  network: string;
  roomId: RoomId;
  topic: string;
  /** Who set it, when a person did (not the server, not the bot). */
  setBy?: IrcNick;
}

export interface IrcOutbox {
  /** A channel message, notice or action, into one room linked to the channel. */
  channelLine: OutboxKind<ChannelLine>;
  /** A private message to a Matrix user's puppet, into their DM with the sender's ghost. */
  privateLine: OutboxKind<PrivateLine>;
  /** A channel's topic, into one room linked to the channel. */
  topic: OutboxKind<TopicChange>;
}

/**
 * The queue of one Matrix user's private conversations on one network: their order holds
 * whatever the DM's room is (it may not exist yet when the first line arrives).
 */
export function privateQueueKey(network: string, userId: UserId): string {
  return `irc-private ${network} ${userId}`;
}
