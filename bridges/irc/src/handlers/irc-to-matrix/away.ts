/**
 * IRC away (away-notify, or a 301 the bot happened to get) → the ghost's Matrix presence, on
 * networks with `away_presence`. Only ghosts that are in one of the rooms get it: in lazy mode
 * most IRC users have no ghost, and setting presence would register one for nothing.
 */
import type { UserId } from '@bridgekit/appservice';
import type { IrcNetwork } from '../../network/network';
import type { BridgeRuntime } from '../../runtime';
import { ircHandler } from '../registry';

export const awayChanges = ircHandler({
  name: 'irc.away',
  event: 'away',
  handle(e, { network }, rt) {
    if (!network.config.awayPresence) return;
    const ghost = rt.ghostSync.ghostOf(network, e.nick);
    if (ghost && isInSomeRoom(rt, network, e.nick, ghost)) rt.awayPresence.changed(ghost, e.message);
  },
});

/** A room not loaded yet counts only where every member has a ghost (`membership_sync: all`). */
function isInSomeRoom(rt: BridgeRuntime, network: IrcNetwork, nick: string, ghost: UserId): boolean {
  const unknownMeansJoined = network.config.membershipSync === 'all';
  return network.roster.channelsOf(nick).some((channel) => rt.portals.roomsForChannel(network, channel).some((roomId) => {
    const joined = rt.ghostSync.presence.isJoined(roomId, ghost);
    return joined === true || (joined === undefined && unknownMeansJoined);
  }));
}
