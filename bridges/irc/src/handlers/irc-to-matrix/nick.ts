/**
 * IRC NICK → a rename of the same ghost (display name), never a leave and a join: the ghost a
 * person already has keeps speaking for them under the new nick, and nobody else gets it
 * (ghosts/renames.ts says who is who). Private chats with them move to the new nick, so the
 * conversation goes on in the same room (portals/private-chats.ts). Our own puppets' nick
 * changes never get here.
 *
 * Heard by every connection sharing a channel with the person. Whom the bot sees (its roster
 * knows them), the bot's connection follows; people who share no bridged channel with the bot,
 * the puppets do (several may hear the same NICK: the rename recognises a repeat).
 */
import type { IrcNetwork } from '../../network/network';
import { renamePrivateChats } from '../../portals/private-chats';
import { ircHandler } from '../registry';
import type { GhostSync } from '../../ghosts/ghost-sync';

export const nickChanges = ircHandler({
  name: 'irc.nick',
  event: 'nick',
  from: 'any',
  handle(e, origin, rt: Parameters<typeof renamePrivateChats>[0] & { readonly ghostSync: Pick<GhostSync, 'renamed'> }) {
    const { network } = origin;
    if (e.self || network.ownNicks.has(e.nick) || network.ownNicks.has(e.newNick)) return;
    if (origin.from === 'puppet' && botSees(network, e.nick, e.newNick)) return;
    const ghost = rt.ghostSync.renamed(network, e.nick, e.newNick);
    renamePrivateChats(rt, network, e.nick, e.newNick, ghost);
  },
});

/** The bot hears this NICK too (before or after this puppet: its roster has either nick). */
function botSees(network: IrcNetwork, oldNick: string, newNick: string): boolean {
  return network.roster.channelsOf(oldNick).length > 0 || network.roster.channelsOf(newNick).length > 0;
}
