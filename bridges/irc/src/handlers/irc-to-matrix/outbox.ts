/**
 * What IRC said, on its way into Matrix through the core's outbox: journaled the moment the
 * line is read, delivered in the room's turn with a transaction ID fixed at that moment, held
 * through homeserver outages (`homeserver_outage.retry_minutes`), and resumed after a crash or a
 * restart. IRC has no history, so a line the bridge read exists nowhere else.
 *
 * Each payload is plain JSON holding everything decided when the line arrived (who speaks, the
 * rendered content), so a delivery after a restart says exactly what it would have said then.
 */
import type { OutboxKind, UserId } from '@bridgekit/appservice';
import type { BridgeRuntime } from '../../runtime';
import { deliverChannelLine, type ChannelLine } from './messages';
import { deliverPrivateLine, type PrivateLine } from './private';
import { deliverTopic, type TopicChange } from './topic';

export interface IrcOutbox {
  /** A channel message, notice or action, into one room linked to the channel. */
  channelLine: OutboxKind<ChannelLine>;
  /** A private message to a Matrix user's puppet, into their DM with the sender's ghost. */
  privateLine: OutboxKind<PrivateLine>;
  /** A channel's topic, into one room linked to the channel. */
  topic: OutboxKind<TopicChange>;
}

/** Called once in `start()`, before the core resumes what the journal holds. */
export function defineIrcOutbox(rt: BridgeRuntime): IrcOutbox {
  const options = { maxHoldMs: rt.maxHoldMs };
  return {
    channelLine: rt.ctx.outbox.define<ChannelLine>('irc.channel-line', (d) => deliverChannelLine(rt, d), options),
    privateLine: rt.ctx.outbox.define<PrivateLine>('irc.private-line', (d) => deliverPrivateLine(rt, d), options),
    topic: rt.ctx.outbox.define<TopicChange>('irc.topic', (d) => deliverTopic(rt, d), options),
  };
}

/**
 * The queue of one Matrix user's private conversations on one network: their order holds
 * whatever the DM's room is (it may not exist yet when the first line arrives).
 */
export function privateQueueKey(network: string, userId: UserId): string {
  return `irc-private ${network} ${userId}`;
}
