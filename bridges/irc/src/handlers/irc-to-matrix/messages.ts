/**
 * Channel messages heard by the bot → the ghost of the sender says them in every room linked
 * to the channel, in the room's order. The bot never hears its own puppets here: the dispatcher
 * drops their lines (echo suppression) before this runs.
 */
import type { EventId, OutboxDelivery, RoomId, UserId } from '@bridgekit/appservice';
import { unlessBanned } from '../../ghosts/bans';
import type { IrcNick } from '../../mapping/ids';
import type { BridgeRuntime } from '../../runtime';
import { ircHandler } from '../registry';
import { ircMessageContent, replyTag } from './content';
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
    const inReplyTo: EventId | undefined = replyTo ? rt.refs.eventOfMsgid(network.id, replyTo) : undefined;
    // Who speaks is decided now: after renames (alice → bob → carol) a line held in the room's
    // queue must still come from the person's ghost, not from a new ghost of an old nick.
    const speaker = rt.ghostSync.ghostOf(network, e.nick);
    if (!speaker) {
      rt.log.warn('IRC nick too long for a Matrix user ID; its line is not bridged', { network: network.id, nick: e.nick });
      return;
    }
    const content = ircMessageContent(e.kind, e.text, channelMentions(rt, network, e.target, speaker), inReplyTo);
    for (const roomId of rooms) {
      void rt.outbox.channelLine.enqueue(roomId, { network: network.id, roomId, speaker, nick: e.nick, content, ...(e.msgid ? { msgid: e.msgid } : {}) });
    }
  },
});

/** One channel line for one room, as decided when it arrived (outbox payload). */
export interface ChannelLine {
  network: string;
  roomId: RoomId;
  /** The ghost of the person who said it, then (ghosts/renames.ts). */
  speaker: UserId;
  nick: IrcNick;
  content: Record<string, unknown>;
  msgid?: string;
}

/** Delivers a channel line in its room's turn (the outbox's handler; may run again after a crash). */
export async function deliverChannelLine(rt: BridgeRuntime, { payload: line, txnId }: OutboxDelivery<ChannelLine>): Promise<void> {
  const network = rt.network(line.network);
  if (!network) {
    rt.log.warn('A channel line of a network no longer configured is dropped', { network: line.network, roomId: line.roomId });
    return;
  }
  const ghost = await rt.ghostIntent(network, line.speaker);
  // A Matrix user may have banned them here without being able to on IRC.
  const eventId = await unlessBanned(rt, network, line.roomId, ghost.userId, () => ghost.sendMessage(line.roomId, line.content, { txnId }));
  if (eventId === undefined) return;
  rt.refs.remember({ roomId: line.roomId, eventId, network: network.id, nick: line.nick, text: String(line.content.body), ...(line.msgid ? { msgid: line.msgid } : {}) });
  rt.metrics.messages.inc({ direction: 'irc_to_matrix', network: network.id });
}
