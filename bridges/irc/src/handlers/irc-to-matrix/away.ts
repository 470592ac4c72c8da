/**
 * IRC away (away-notify, or a 301 the bot happened to get) → the ghost's Matrix presence, on
 * networks with `away_presence` (ghosts/away-presence.ts coalesces, paces and refreshes it).
 * Only ghosts that are in one of the rooms get it: in lazy mode most IRC users have no ghost, and
 * setting presence would register one for nothing. A user who quits or leaves the bridged
 * channels is let go (their ghost's presence times out to offline), and so is everyone of a
 * network whose bot connection closed (their away states are no longer known).
 */
import type { UserId } from '@bridgekit/appservice';
import type { AwayPresence } from '../../ghosts/away-presence';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { IrcNick } from '../../mapping/ids';
import type { IrcNetwork } from '../../network/network';
import type { Portals } from '../../portals/portals';
import { ircHandler } from '../registry';

/** What away → presence uses: whose ghost a nick is, whether it is in a room, and the pacer. */
type AwayDeps = {
  readonly awayPresence: Pick<AwayPresence, 'changed' | 'forget' | 'forgetNetwork'>;
  readonly ghostSync: Pick<GhostSync, 'ghostOf' | 'presence'>;
  readonly portals: Pick<Portals, 'roomsForChannel'>;
};

export const awayChanges = ircHandler({
  name: 'irc.away',
  event: 'away',
  handle(e, { network }, rt: AwayDeps) {
    if (!network.config.awayPresence) return;
    const ghost = rt.ghostSync.ghostOf(network, e.nick);
    if (ghost && isInSomeRoom(rt, network, e.nick, ghost)) rt.awayPresence.changed(ghost, network.id, e.message);
  },
});

export const awayQuits = ircHandler({
  name: 'irc.away-quit',
  event: 'quit',
  handle(e, { network }, rt: AwayDeps) {
    letGo(rt, network, e.nick);
  },
});

/** Runs before the roster forgets the channel, so "no other channel" is every channel but this one. */
export const awayParts = ircHandler({
  name: 'irc.away-part',
  event: 'part',
  handle(e, { network }, rt: AwayDeps) {
    if (!e.self && onlyIn(network, e.nick, e.channel)) letGo(rt, network, e.nick);
  },
});

export const awayKicks = ircHandler({
  name: 'irc.away-kick',
  event: 'kick',
  handle(e, { network }, rt: AwayDeps) {
    if (!e.self && onlyIn(network, e.kicked, e.channel)) letGo(rt, network, e.kicked);
  },
});

export const awayConnectionClosed = ircHandler({
  name: 'irc.away-close',
  event: 'close',
  handle(_e, { network }, rt: AwayDeps) {
    rt.awayPresence.forgetNetwork(network.id);
  },
});

function letGo(rt: AwayDeps, network: IrcNetwork, nick: IrcNick): void {
  if (!network.config.awayPresence) return;
  const ghost = rt.ghostSync.ghostOf(network, nick);
  if (ghost) rt.awayPresence.forget(ghost);
}

function onlyIn(network: IrcNetwork, nick: string, channel: string): boolean {
  return network.roster.channelsOf(nick).every((c) => network.fold(c) === network.fold(channel));
}

/** A room not loaded yet counts only where every member has a ghost (`membership_sync: all`). */
function isInSomeRoom(rt: AwayDeps, network: IrcNetwork, nick: string, ghost: UserId): boolean {
  const unknownMeansJoined = network.config.membershipSync === 'all';
  return network.roster.channelsOf(nick).some((channel) => rt.portals.roomsForChannel(network, channel).some((roomId) => {
    const joined = rt.ghostSync.presence.isJoined(roomId, ghost);
    return joined === true || (joined === undefined && unknownMeansJoined);
  }));
}
