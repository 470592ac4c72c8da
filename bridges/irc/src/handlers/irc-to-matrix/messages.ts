/**
 * Channel messages heard by the bot → the ghost of the sender says them in every room linked
 * to the channel, in the room's order. The bot never hears its own puppets here: the dispatcher
 * drops their lines (echo suppression) before this runs.
 */
import type { EventId, OutboxDelivery, RoomId, UserId } from '@bridgekit/appservice';
import { unlessBanned } from '../../ghosts/bans';
import type { BridgeRuntime } from '../../runtime';
import { ircHandler } from '../registry';
import { ircMessageContent, replyTag } from './content';
import { lineDelivered, networkOfLine, type IrcLine } from './line-delivery';
import { channelMentions } from './mentions';

export const channelMessages = ircHandler({
  name: 'irc.channel-message',
  event: 'message',
  from: 'bot',
  handle(e, origin, rt) {
    const { network } = origin;
    // Messages only ops see (STATUSMSG) would leak to everyone in the room.
    if (e.self || e.fromServer || e.statusPrefix || !network.isChannel(e.target)) return;
    const rooms = rt.portals.roomsForChannel(network, e.target);
    if (rooms.length === 0) return;
    // Rendered now, with the channel's members as they are when the line arrives.
    const replyTo = replyTag(e.all);
    // Who speaks is decided now: after renames (alice → bob → carol) a line held in the room's
    // queue must still come from the person's ghost, not from a new ghost of an old nick.
    const speaker = rt.ghostSync.ghostOf(network, e.nick);
    if (!speaker) {
      rt.log.warn('IRC nick too long for a Matrix user ID; its line is not bridged', { network: network.id, nick: e.nick });
      return;
    }
    const content = ircMessageContent(e.kind, e.text, channelMentions(rt, network, e.target, speaker));
    for (const roomId of rooms) {
      void rt.outbox.channelLine.enqueue(roomId, {
        network: network.id, roomId, speaker, nick: e.nick, content, ...(e.msgid ? { msgid: e.msgid } : {}), ...(replyTo ? { replyTo } : {}),
      });
    }
  },
});

/** One channel line for one room, as decided when it arrived (outbox payload). */
export interface ChannelLine extends IrcLine {
  roomId: RoomId;
  /** The ghost of the person who said it, then (ghosts/renames.ts). */
  speaker: UserId;
  /** The IRCv3 msgid of the line it replies to: looked up in the room's turn, when that line is stored. */
  replyTo?: string;
}

/** Delivers a channel line in its room's turn (the outbox's handler; may run again after a crash). */
export async function deliverChannelLine(rt: BridgeRuntime, { payload: line, txnId, resend }: OutboxDelivery<ChannelLine>): Promise<void> {
  const network = networkOfLine(rt, line, { roomId: line.roomId });
  if (!network) return;
  const ghost = await rt.ghostIntent(network, line.speaker);
  const inReplyTo: EventId | undefined = line.replyTo ? await rt.refs.eventOfMsgid(network.id, line.replyTo) : undefined;
  const content = inReplyTo ? { ...line.content, 'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } } } : line.content;
  // A Matrix user may have banned them here without being able to on IRC.
  const eventId = await unlessBanned(rt, network, line.roomId, ghost.userId, () => ghost.sendMessage(line.roomId, content, { txnId, checkSentBefore: resend }));
  if (eventId !== undefined) await lineDelivered(rt, network, line.roomId, eventId, line);
}
