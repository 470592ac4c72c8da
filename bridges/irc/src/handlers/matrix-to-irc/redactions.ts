/**
 * Redactions cannot be undone on IRC. Per network, they are ignored or noted with a short
 * NOTICE from the redacting user's connection (only if it is connected: a note is not worth
 * a new connection).
 */
import { matrixHandler } from '../registry';
import { shorten } from './render';

export const matrixRedactions = matrixHandler({
  name: 'matrix.redaction',
  kinds: ['redaction'],
  async handle(event, rt) {
    const redacted = event.redacts;
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network || network.config.messages.redactions !== 'notice') continue;
      const ref = await rt.refs.lookup(redacted, network.id);
      const puppet = network.puppets.get(event.sender);
      if (!ref || !puppet?.isConnected) continue;
      const quote = shorten(ref.excerpt, network.config.messages.replyQuoteLength);
      const whose = network.fold(ref.nick) === network.fold(puppet.nick) ? 'their message' : `a message from ${ref.nick}`;
      await puppet.client.notice(portal.channel, `(deleted ${whose}: "${quote}")`);
    }
  },
});
