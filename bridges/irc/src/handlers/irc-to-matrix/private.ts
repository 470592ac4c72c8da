/**
 * Private messages to a Matrix user's puppet → their DM room with the sender's ghost (created on
 * the first message). Puppets hear their channels too; only lines addressed to the puppet itself
 * are handled here (the bot bridges the channels).
 */
import type { OutboxDelivery, UserId } from '@bridgekit/appservice';
import { chatGhost, openPrivateChat } from '../../portals/private-chats';
import type { BridgeRuntime } from '../../runtime';
import { ircHandler } from '../registry';
import { ircMessageContent } from './content';
import { lineDelivered, networkOfLine, type IrcLine } from './line-delivery';
import { privateQueueKey } from './outbox';

export const privateMessages = ircHandler({
  name: 'irc.private-message',
  event: 'message',
  from: 'puppet',
  handle(e, origin, rt) {
    if (origin.from !== 'puppet') return;
    const { network, puppet } = origin;
    if (e.self || e.fromServer || network.isChannel(e.target) || !network.config.privateMessages) return;
    // Another Matrix user's puppet: they can talk in Matrix directly.
    if (network.ownNicks.has(e.nick)) return;
    const line: PrivateLine = { network: network.id, userId: puppet.userId, nick: e.nick, content: ircMessageContent(e.kind, e.text), ...(e.msgid ? { msgid: e.msgid } : {}) };
    void rt.outbox.privateLine.enqueue(privateQueueKey(network.id, puppet.userId), line);
  },
});

/** One private line to a Matrix user (outbox payload). */
export interface PrivateLine extends IrcLine {
  /** The Matrix user whose puppet it was sent to. */
  userId: UserId;
}

/**
 * Delivers a private line in the turn of the user's conversations on the network, into their
 * chat with the sender (opened by the first line; a crash between creating the room and
 * recording it can leave an empty room behind, never a lost or repeated line).
 */
export async function deliverPrivateLine(rt: BridgeRuntime, { payload: line, txnId, resend }: OutboxDelivery<PrivateLine>): Promise<void> {
  const network = networkOfLine(rt, line, { userId: line.userId });
  if (!network) return;
  const chat = rt.portals.privateChat(network, line.userId, line.nick) ?? await openPrivateChat(rt, network, line.userId, line.nick);
  const ghost = await chatGhost(rt, network, chat);
  const eventId = await ghost.sendMessage(chat.roomId, line.content, { txnId, checkSentBefore: resend });
  await lineDelivered(rt, network, chat.roomId, eventId, line);
}
