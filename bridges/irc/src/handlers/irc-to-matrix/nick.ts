/**
 * IRC NICK → a rename of the same ghost (display name), never a leave and a join: the ghost a
 * person already has keeps speaking for them under the new nick (ghosts/renames.ts explains the
 * mapping and when it ends). Our own puppets' nick changes never get here.
 */
import { ircHandler } from '../registry';

export const nickChanges = ircHandler({
  name: 'irc.nick',
  event: 'nick',
  handle(e, { network }, rt) {
    if (e.self) return;
    rt.ghostSync.renamed(network, e.nick, e.newNick);
  },
});
