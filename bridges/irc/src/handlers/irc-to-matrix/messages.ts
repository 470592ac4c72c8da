/**
 * Channel messages heard by the bot → the ghost of the sender says them in every room linked
 * to the channel, in the room's order. The bot never hears its own puppets here: the dispatcher
 * drops their lines (echo suppression) before this runs.
 */
import type { EventId } from '@bridgekit/appservice';
import { unlessBanned } from '../../ghosts/bans';
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
    // Who speaks is decided now: after renames (alice → bob → carol) a line held in the room's
    // queue must still come from the person's ghost, not from a new ghost of an old nick.
    const speaker = rt.ghostSync.ghostOf(network, e.nick);
    if (!speaker) {
      rt.log.warn('IRC nick too long for a Matrix user ID; its line is not bridged', { network: network.id, nick: e.nick });
      return;
    }
    const content = ircMessageContent(e.kind, e.text, channelMentions(rt, network, e.target, speaker));
    for (const roomId of rooms) {
      // Fixed now, so every attempt of the task (room-tasks.ts retries) sends the same transaction.
      const txnId = rt.newTxnId();
      rt.roomTask(roomId, 'irc.channel-message', async () => {
        const ghost = await rt.ghostIntent(network, speaker);
        // Looked up in the room's turn: the line replied to, if bridged, is stored by now.
        const inReplyTo: EventId | undefined = replyTo ? await rt.refs.eventOfMsgid(network.id, replyTo) : undefined;
        const sent = inReplyTo ? { ...content, 'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } } } : content;
        // A Matrix user may have banned them here without being able to on IRC.
        const eventId = await unlessBanned(rt, network, roomId, ghost.userId, () => ghost.sendMessage(roomId, sent, { txnId }));
        if (eventId === undefined) return;
        await rt.refs.remember({ roomId, eventId, network: network.id, nick: e.nick, text: String(content.body), ...(e.msgid ? { msgid: e.msgid } : {}) });
        rt.metrics.messages.inc({ direction: 'irc_to_matrix', network: network.id });
      });
    }
  },
});
