/**
 * Private messages to a Matrix user's puppet → their DM room with the sender's ghost (created on
 * the first message). Puppets hear their channels too; only lines addressed to the puppet itself
 * are handled here (the bot bridges the channels).
 */
import { deliverPrivate } from '../../portals/private-chats';
import { ircHandler } from '../registry';
import { ircMessageContent } from './content';

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
    const content = ircMessageContent(e.kind, e.text);
    deliverPrivate(rt, network, puppet.userId, e.nick, async (roomId, ghost) => {
      const eventId = await ghost.sendMessage(roomId, content);
      await rt.refs.remember({ roomId, eventId, network: network.id, nick: e.nick, text: String(content.body), ...(e.msgid ? { msgid: e.msgid } : {}) });
      rt.metrics.messages.inc({ direction: 'irc_to_matrix', network: network.id });
    });
  },
});
