/**
 * Channel messages heard by the bot → the ghost of the sender says them in every room linked
 * to the channel, in the room's order. The bot never hears its own puppets here: the dispatcher
 * drops their lines (echo suppression) before this runs.
 */
import type { EventId, OutboxDelivery } from '@bridgekit/appservice';
import { unlessBanned, type BanDeps } from '../../ghosts/bans';
import type { Diagnostics, GhostResolver, MatrixSide } from '../../parts';
import type { MessageRefs } from '../message-refs';
import { ircHandler } from '../registry';
import { ircMessageContent, replyTag } from './content';
import type { ChannelLine, IrcOutbox } from './outbox-kinds';
import { afterPendingReplay, isMissedLine, noteLiveLine } from './history';
import { lineDelivered, networkOfLine, timestampOf, type LineDeliveryDeps } from './line-delivery';
import { channelMentions } from './mentions';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { Portals } from '../../portals/portals';

/**
 * What reading a channel line uses: its rooms, who speaks for the nick, the outbox, and (for
 * server history replayed on join) the store and the msgids already bridged.
 */
type ChannelLineDeps = Pick<Diagnostics, 'log'> & MatrixSide & {
  readonly outbox: Pick<IrcOutbox, 'channelLine'>;
  readonly refs: Pick<MessageRefs, 'eventOfMsgid'>;
  readonly portals: Portals;
  readonly ghostSync: Pick<GhostSync, 'ghostOf' | 'renames'>;
};

export const channelMessages = ircHandler({
  name: 'irc.channel-message',
  event: 'message',
  from: 'bot',
  handle(e, origin, rt: ChannelLineDeps) {
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
    const enqueue = () => {
      for (const roomId of rooms) {
        void rt.outbox.channelLine.enqueue(roomId, {
          network: network.id, roomId, speaker, nick: e.nick, content, ...(e.msgid ? { msgid: e.msgid } : {}), ...(replyTo ? { replyTo } : {}),
          // IRCv3 server-time: the Matrix event carries when it was said on IRC, not when it got here.
          ...(e.serverTime !== undefined ? { serverTime: e.serverTime } : {}),
        });
      }
    };
    const channel = network.fold(e.target);
    const { kv } = rt.ctx.store;
    const warn = (error: Error) => rt.log.warn('Could not check or note channel history; a replayed line may be skipped', { network: network.id, error: error.message });
    if (e.replayed) {
      // The server's copy of an earlier line: held until decided (bridged lines are never
      // bridged twice). If the bridge stops first, the next rejoin replays it again.
      isMissedLine(kv, network.id, channel, e, async (msgid) => (await rt.refs.eventOfMsgid(network.id, msgid)) !== undefined)
        .then((missed) => missed && enqueue(), warn);
      return;
    }
    noteLiveLine(kv, network.id, channel, e.serverTime).catch(warn);
    // Queued at once (the outbox stores it first), unless a replay before it is still being decided.
    const replay = afterPendingReplay(kv, network.id, channel);
    if (replay) void replay.then(enqueue);
    else enqueue();
  },
});

/** Delivers a channel line in its room's turn (the outbox's handler; may run again after a crash). */
export async function deliverChannelLine(rt: LineDeliveryDeps & GhostResolver & BanDeps, { payload: line, txnId, resend }: OutboxDelivery<ChannelLine>): Promise<void> {
  const network = networkOfLine(rt, line, { roomId: line.roomId });
  if (!network) return;
  const ghost = await rt.ghostIntent(network, line.speaker);
  const inReplyTo: EventId | undefined = line.replyTo ? await rt.refs.eventOfMsgid(network.id, line.replyTo) : undefined;
  const content = inReplyTo ? { ...line.content, 'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } } } : line.content;
  // A Matrix user may have banned them here without being able to on IRC.
  const eventId = await unlessBanned(rt, network, line.roomId, ghost.userId, () => ghost.sendMessage(line.roomId, content, { txnId, checkSentBefore: resend, ...timestampOf(line) }));
  if (eventId !== undefined) lineDelivered(rt, network, line.roomId, eventId, line);
}
