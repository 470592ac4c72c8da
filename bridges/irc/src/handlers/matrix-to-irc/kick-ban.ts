/**
 * A Matrix user kicks or bans an IRC user's ghost from a channel portal (or lifts a ban) → the
 * same on IRC, done by the kicker's own IRC user — but only when that user has the channel
 * status to do it there (operator, or half-op against someone below operator), as the bot sees
 * the channel. Otherwise the kicker is told that it stayed a Matrix-only kick: the bridge never
 * lends its own or anyone else's IRC status. The ban mask is `nick!*@*`. Either way a banned
 * ghost's later lines are dropped quietly (ghosts/bans.ts), not reported as errors.
 */
import type { MembershipEvent, UserId } from '@bridgekit/appservice';
import { ghostBanned } from '../../ghosts/bans';
import type { IrcNick } from '../../mapping/ids';
import type { IrcNetwork } from '../../network/network';
import type { Puppet } from '../../network/puppets';
import type { ChannelPortal } from '../../portals/portals';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { GhostUserIds } from '../../mapping/ghost-ids';
import type { Diagnostics, NetworkDirectory, Speaker } from '../../parts';
import type { Portals } from '../../portals/portals';
import { matrixHandler } from '../registry';

/** What mirroring a kick or ban uses: whose ghost it is, the room's channels, the ghosts' bans, and telling the kicker. */
type KickBanDeps = Parameters<typeof ghostBanned>[0] & NetworkDirectory & Pick<Speaker, 'tell'> & Pick<Diagnostics, 'log'> & {
  readonly ghosts: Pick<GhostUserIds, 'parseUserId'>;
  readonly portals: Pick<Portals, 'channelsOfRoom'>;
  readonly ghostSync: Pick<GhostSync, 'removedFromRoom' | 'bans' | 'renames'>;
};

type Action = 'kick' | 'ban' | 'unban';

export const ghostKicksAndBans = matrixHandler({
  name: 'matrix.kick-ban',
  kinds: ['membership'],
  async handle(event, rt: KickBanDeps) {
    const target = event.userId;
    if (event.sender === target) return;
    const action = actionOf(event);
    const ghost = action && rt.ghosts.parseUserId(target);
    const network = ghost && rt.network(ghost.network);
    if (!action || !network) return;
    const portals = rt.portals.channelsOfRoom(event.roomId).filter((p) => p.network === network.id);
    if (portals.length === 0) return;
    if (action === 'ban') ghostBanned(rt, network, event.roomId, target);
    else rt.ghostSync.removedFromRoom(event.roomId, target);
    if (action === 'unban') rt.ghostSync.bans.lift(event.roomId, target);
    const nick = rt.ghostSync.renames.nickOf(network, target) ?? ghost.nick;
    const reason = event.reason?.trim() || `by ${event.sender} on Matrix`;
    for (const portal of portals) await actOnIrc(rt, network, portal, event.sender, nick, action, reason);
  },
});

/** A withdrawn invite ('uninvite') is nothing on IRC. */
function actionOf(event: MembershipEvent): Action | undefined {
  return event.action === 'ban' || event.action === 'unban' || event.action === 'kick' ? event.action : undefined;
}

async function actOnIrc(rt: Pick<Speaker, 'tell'> & Pick<Diagnostics, 'log'>, network: IrcNetwork, portal: ChannelPortal, kicker: UserId, nick: IrcNick, action: Action, reason: string): Promise<void> {
  const { channel } = portal;
  const puppet = network.puppets.get(kicker);
  const inChannel = network.roster.find(channel, nick) !== undefined;
  const refusal = whyNot(network, channel, puppet, nick, action);
  if (refusal) {
    const done = action === 'unban' ? 'lifted the ban on' : action === 'ban' ? 'banned' : 'kicked';
    const after = action === 'kick' ? ` ${nick} stays in ${channel} on IRC, and their next message there brings them back here.` : action === 'ban' ? ` ${nick} stays in ${channel} on IRC; what they say there is no longer shown here.` : '';
    await rt.tell(portal.roomId, kicker, `You ${done} ${nick} here, but not on IRC: ${refusal}.${after}`);
    return;
  }
  const client = (puppet as Puppet).client;
  if (action === 'unban') {
    await client.mode(channel, '-b', [`${nick}!*@*`]);
    return;
  }
  if (action === 'ban') await client.mode(channel, '+b', [`${nick}!*@*`]);
  if (inChannel) await client.kick(channel, nick, reason);
  rt.log.info('Matrix kick/ban mirrored on IRC', { network: network.id, channel, nick, action, by: kicker });
}

/** Why the kicker's IRC user cannot do it; undefined when it can. */
function whyNot(network: IrcNetwork, channel: string, puppet: Puppet | undefined, nick: string, action: Action): string | undefined {
  if (!puppet?.isConnected) return 'you have no IRC connection right now (and would need channel operator status)';
  const own = network.roster.prefixesOf(channel, puppet.nick);
  if (own === undefined) return `your IRC user ${puppet.nick} is not in ${channel}`;
  if (action === 'kick' && network.roster.find(channel, nick) === undefined) return `${nick} is not in ${channel}`;
  if (!mayRemove(network, own, network.roster.prefixesOf(channel, nick) ?? '')) return `your IRC user ${puppet.nick} is not a channel operator in ${channel}`;
  return undefined;
}

/** Operator or above may kick anyone; a half-op only those below operator (as IRC servers do). */
export function mayRemove(network: Pick<IrcNetwork, 'isupport'>, kicker: string, target: string): boolean {
  const ranks = network.isupport.prefix;
  const rank = (symbols: string) => {
    const index = ranks.findIndex((p) => symbols.includes(p.symbol));
    return index < 0 ? ranks.length : index;
  };
  const opRank = ranks.findIndex((p) => p.mode === 'o');
  const halfOpRank = ranks.findIndex((p) => p.mode === 'h');
  const mine = rank(kicker);
  if (opRank >= 0 && mine <= opRank) return true;
  return halfOpRank >= 0 && mine <= halfOpRank && rank(target) > (opRank < 0 ? halfOpRank : opRank);
}
