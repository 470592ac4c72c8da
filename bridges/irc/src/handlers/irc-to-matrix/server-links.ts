/**
 * IRCv3 `netsplit` / `netjoin` batches, as one line each in the log: the QUITs and JOINs inside
 * them went through the membership handlers already (held for `netsplit_grace_seconds`, then
 * mirrored only for those who did not come back); an admin wondering why ghosts did not leave
 * sees here that a split happened, between which servers, and how many users it took.
 */
import type { Diagnostics } from '../../parts';
import { ircHandler } from '../registry';

export const serverLinks = ircHandler({
  name: 'irc.server-link',
  event: 'serverLink',
  handle(e, { network }, rt: Pick<Diagnostics, 'log'>) {
    const servers = e.servers.join(' ');
    if (e.kind === 'netsplit') {
      rt.log.info('IRC servers split; their users\' QUITs are held to see who comes back', { network: network.id, servers, users: e.lines, graceSeconds: network.config.netsplitGraceSeconds });
    } else {
      rt.log.info('IRC servers linked again; their users are back', { network: network.id, servers, users: e.lines });
    }
  },
});
