/**
 * Private messages to a Matrix user's puppet → their DM room with the sender's ghost (created on
 * the first message). Puppets hear their channels too; only lines addressed to the puppet itself
 * are handled here (the bot bridges the channels).
 */
import type { OutboxDelivery } from '@bridgekit/appservice';
import { chatGhost, openPrivateChat } from '../../portals/private-chats';
import type { GhostResolver } from '../../parts';
import type { Portals } from '../../portals/portals';
import type { ModerationGate } from '../../policy/moderation';
import { ircHandler } from '../registry';
import { ircMessageContent } from './content';
import { lineDelivered, networkOfLine, timestampOf, type LineDeliveryDeps } from './line-delivery';
import { privateQueueKey, type IrcOutbox, type PrivateLine } from './outbox-kinds';

export const privateMessages = ircHandler({
  name: 'irc.private-message',
  event: 'message',
  from: 'puppet',
  handle(e, origin, rt: { readonly outbox: Pick<IrcOutbox, 'privateLine'>; readonly portals: Portals }) {
    if (origin.from !== 'puppet') return;
    const { network, puppet } = origin;
    if (e.self || e.fromServer || network.isChannel(e.target) || !network.config.privateMessages) return;
    // Another Matrix user's puppet: they can talk in Matrix directly.
    if (network.ownNicks.has(e.nick)) return;
    const line: PrivateLine = { network: network.id, userId: puppet.userId, nick: e.nick, content: ircMessageContent(e.kind, e.text), ...(e.msgid ? { msgid: e.msgid } : {}),
      ...(e.serverTime !== undefined ? { serverTime: e.serverTime } : {}),
    };
    void rt.outbox.privateLine.enqueue(privateQueueKey(network.id, puppet.userId), line);
  },
});

/**
 * Delivers a private line in the turn of the user's conversations on the network, into their
 * chat with the sender (opened by the first line; a crash between creating the room and
 * recording it can leave an empty room behind, never a lost or repeated line).
 */
export async function deliverPrivateLine(rt: LineDeliveryDeps & GhostResolver & { readonly portals: Portals; readonly moderation: Pick<ModerationGate, 'refuse'> }, { payload: line, txnId, resend }: OutboxDelivery<PrivateLine>): Promise<void> {
  const network = networkOfLine(rt, line, { userId: line.userId });
  if (!network) return;
  const existing = rt.portals.privateChat(network, line.userId, line.nick);
  // No new room (and no invite) for a user a moderation list bans; a line said before the ban QUIT their connection is dropped.
  if (!existing && rt.moderation.refuse(line.userId, 'private_chat')) return;
  const chat = existing ?? await openPrivateChat(rt, network, line.userId, line.nick);
  const ghost = await chatGhost(rt, network, chat);
  const eventId = await ghost.sendMessage(chat.roomId, line.content, { txnId, checkSentBefore: resend, ...timestampOf(line) });
  lineDelivered(rt, network, chat.roomId, eventId, line);
}
