/**
 * Redactions cannot be undone on IRC. Per network, they are ignored or noted with a short
 * NOTICE from the redacting user's connection (only if it is connected: a note is not worth
 * a new connection). Where the deleted line has a msgid the note is tagged `+draft/reply` to it,
 * so IRCv3 clients show which line it was. (No server in the tier has `draft/message-redaction`,
 * which would let the line itself be removed: InspIRCd 3 does not implement it.)
 */
import { matrixHandler } from '../registry';
import { shorten } from './render';
import type { NetworkDirectory } from '../../parts';
import type { Portals } from '../../portals/portals';
import type { MessageRefs } from '../message-refs';

export const matrixRedactions = matrixHandler({
  name: 'matrix.redaction',
  kinds: ['redaction'],
  async handle(event, rt: NetworkDirectory & { readonly portals: Portals; readonly refs: MessageRefs }) {
    const redacted = event.redacts;
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network || network.config.messages.redactions !== 'notice') continue;
      const ref = await rt.refs.lookup(redacted, network.id);
      const puppet = network.puppets.get(event.sender);
      if (!ref || !puppet?.isConnected) continue;
      const quote = shorten(ref.excerpt, network.config.messages.replyQuoteLength);
      const whose = network.fold(ref.nick) === network.fold(puppet.nick) ? 'their message' : `a message from ${ref.nick}`;
      const msgid = await rt.refs.msgidOf(redacted, network.id);
      await puppet.client.notice(portal.channel, `(deleted ${whose}: "${quote}")`, msgid !== undefined ? { replyTo: msgid } : {});
    }
  },
});
