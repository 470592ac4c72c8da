/**
 * Private messages to the bridge bot. Nobody is behind the bot, so they are not bridged; the
 * only ones that matter are channel operators answering a link request (provisioning).
 */
import type { NetworkId } from '../../mapping/ids';
import type { IrcNick } from '../../mapping/ids';
import { ircHandler } from '../registry';
import type { Diagnostics } from '../../parts';

/** `answer` returns true when the message was an answer it was waiting for. */
export function botPrivateMessages(answer: (network: NetworkId, from: IrcNick, text: string) => Promise<boolean>) {
  return ircHandler({
    name: 'irc.bot-private-message',
    event: 'message',
    from: 'bot',
    handle(e, origin, rt: Diagnostics) {
      const { network } = origin;
      if (e.self || e.fromServer || network.isChannel(e.target)) return;
      answer(network.id, e.nick, e.text).then((handled) => {
        if (!handled) rt.log.debug('Ignored a private message to the bot', { network: network.id, from: e.nick });
      }, (error: Error) => {
        rt.metrics.handlerErrors.inc({ handler: 'irc.bot-private-message' });
        rt.log.error('Could not handle a private message to the bot', { network: network.id, from: e.nick, error: error.message });
      });
    },
  });
}
