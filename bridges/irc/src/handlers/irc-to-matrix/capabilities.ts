/**
 * cap-notify: a server that loads or unloads a module mid-session offers or withdraws
 * capabilities (CAP NEW / CAP DEL). irc-framework asks for the new ones it wants; every use of a
 * capability reads the connection's live state, so nothing here changes behaviour. It is logged,
 * because "the bridge suddenly stopped seeing msgids" is otherwise a mystery to an admin.
 */
import type { Diagnostics } from '../../parts';
import { ircHandler } from '../registry';

export const capabilityChanges = ircHandler({
  name: 'irc.capabilities',
  event: 'capabilities',
  from: 'any',
  handle(e, origin, rt: Pick<Diagnostics, 'log'>) {
    rt.log.info('IRC capabilities changed', {
      network: origin.network.id,
      connection: origin.from === 'bot' ? 'bot' : origin.puppet.userId,
      added: e.added.join(' '), removed: e.removed.join(' '), enabled: e.enabled.join(' '),
    });
  },
});
