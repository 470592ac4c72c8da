/**
 * IRC NICK → a rename of the same ghost (display name), never a leave and a join: the ghost a
 * person already has keeps speaking for them under the new nick (ghosts/renames.ts explains the
 * mapping and when it ends). Private chats with them move to the new nick, so the conversation
 * goes on in the same room (portals/private-chats.ts). Our own puppets' nick changes never get here.
 */
import { renamePrivateChats } from '../../portals/private-chats';
import { ircHandler } from '../registry';

export const nickChanges = ircHandler({
  name: 'irc.nick',
  event: 'nick',
  handle(e, { network }, rt) {
    if (e.self) return;
    rt.ghostSync.renamed(network, e.nick, e.newNick);
  },
});

/**
 * From every connection: the IRC user may share no channel with the bot, only with the puppet
 * of the Matrix user they talk to. Runs before `nickChanges` (see `renamePrivateChats`).
 */
export const privateChatRenames = ircHandler({
  name: 'irc.nick-private',
  event: 'nick',
  from: 'any',
  handle(e, { network }, rt) {
    if (e.self || network.ownNicks.has(e.nick) || network.ownNicks.has(e.newNick)) return;
    renamePrivateChats(rt, network, e.nick, e.newNick);
  },
});
