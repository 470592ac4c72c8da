/**
 * What IRC said, on its way into Matrix through the core's outbox: journaled the moment the
 * line is read, delivered in the room's turn with a transaction ID fixed at that moment, held
 * through homeserver outages (`homeserver_outage.retry_minutes`), and resumed after a crash or a
 * restart. IRC has no history, so a line the bridge read exists nowhere else.
 *
 * Each payload is plain JSON holding everything decided when the line arrived (who speaks, the
 * rendered content), so a delivery after a restart says exactly what it would have said then.
 */
import type { BanDeps } from '../../ghosts/bans';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { GhostResolver, MatrixSide } from '../../parts';
import type { Portals } from '../../portals/portals';
import type { LineDeliveryDeps } from './line-delivery';

/** What the deliveries use (each asks for its part of it). */
export type OutboxDeliveryDeps = LineDeliveryDeps & GhostResolver & BanDeps & MatrixSide & {
  readonly portals: Portals;
  readonly ghostSync: GhostSync;
  /** How long deliveries are held through a homeserver outage. */
  readonly maxHoldMs: number;
  /** A private chat is not opened for a Matrix user a moderation list bans. */
  readonly moderation: Pick<ModerationGate, 'refuse'>;
};
import type { ModerationGate } from '../../policy/moderation';
import type { ChannelLine, IrcOutbox, PrivateLine, TopicChange } from './outbox-kinds';
import { deliverChannelLine } from './messages';
import { deliverPrivateLine } from './private';
import { deliverTopic } from './topic';


/** Called once in `start()`, before the core resumes what the journal holds. */
export function defineIrcOutbox(rt: OutboxDeliveryDeps): IrcOutbox {
  const options = { maxHoldMs: rt.maxHoldMs };
  return {
    channelLine: rt.ctx.outbox.define<ChannelLine>('irc.channel-line', (d) => deliverChannelLine(rt, d), options),
    privateLine: rt.ctx.outbox.define<PrivateLine>('irc.private-line', (d) => deliverPrivateLine(rt, d), options),
    topic: rt.ctx.outbox.define<TopicChange>('irc.topic', (d) => deliverTopic(rt, d), options),
  };
}
