/**
 * Redactions cannot be undone on IRC. Per network, they are ignored or noted with a short
 * NOTICE from the redacting user's connection (only if it is connected: a note is not worth
 * a new connection).
 */
import type { MatrixHandler } from '../registry';
import { shorten } from './render';

export const matrixRedactions: MatrixHandler = {
  name: 'matrix.redaction',
  types: ['m.room.redaction'],
  async handle(event, rt) {
    const redacted = event.redacts ?? (typeof event.content.redacts === 'string' ? event.content.redacts : undefined);
    if (!redacted) return;
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network || network.config.messages.redactions !== 'notice') continue;
      const ref = await rt.refs.lookup(redacted as typeof event.eventId, network.id);
      const puppet = network.puppets.get(event.sender);
      if (!ref || !puppet?.isConnected) continue;
      const quote = shorten(ref.excerpt, network.config.messages.replyQuoteLength);
      const whose = network.fold(ref.nick) === network.fold(puppet.nick) ? 'their message' : `a message from ${ref.nick}`;
      await puppet.client.notice(portal.channel, `(deleted ${whose}: "${quote}")`);
    }
  },
};
