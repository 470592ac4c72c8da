/**
 * Matrix membership of real users in channel portals → their puppets (joining is
 * join-on-demand.ts):
 *   - a user leaves, or is kicked or banned → their puppet PARTs the channel (with who and why),
 *     unless they are still in another room bridged to the same channel;
 *   - a user invites an IRC user's ghost → their puppet sends INVITE (useful on +i channels).
 * Kicks and bans of ghosts are kick-ban.ts. A Matrix user's IRC connection being closed (idle,
 * outage) never comes through here and never changes a membership.
 */
import type { MembershipEvent, RoomId, UserId } from '@bridgekit/appservice';
import type { IrcNetwork } from '../../network/network';
import type { ChannelPortal } from '../../portals/portals';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { GhostUserIds } from '../../mapping/ghost-ids';
import type { Diagnostics, MatrixSide, NetworkDirectory, Speaker } from '../../parts';
import type { Portals } from '../../portals/portals';
import { matrixHandler } from '../registry';

/** What a departure uses: the room's channels, their networks' puppets, and the other rooms' membership. */
type DepartureDeps = MatrixSide & Pick<Diagnostics, 'log'> & NetworkDirectory & {
  readonly portals: Pick<Portals, 'channelsOfRoom' | 'roomsForChannel'>;
};

/** What an invite of a ghost uses: whose ghost it is (after renames), the room's channels, and telling the inviter. */
type GhostInviteDeps = NetworkDirectory & Pick<Speaker, 'tell'> & {
  readonly ghosts: Pick<GhostUserIds, 'parseUserId'>;
  readonly ghostSync: { readonly renames: Pick<GhostSync['renames'], 'nickOf'> };
  readonly portals: Pick<Portals, 'channelsOfRoom'>;
};

export const matrixDepartures = matrixHandler({
  name: 'matrix.leave',
  kinds: ['membership'],
  async handle(event, rt: DepartureDeps) {
    const { userId, membership } = event;
    if ((membership !== 'leave' && membership !== 'ban') || rt.ctx.isBridgeUser(userId)) return;
    const reason = partReason(event, userId);
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network?.puppets.get(userId)?.connection.wants(portal.channel)) continue;
      if (await stillBridgedElsewhere(rt, network, portal, userId)) continue;
      await network.puppets.partChannel(userId, portal.channel, reason);
      rt.log.info('Matrix user left a portal; their IRC connection parted', { network: network.id, channel: portal.channel, userId });
    }
  },
});

export const ghostInvites = matrixHandler({
  name: 'matrix.ghost-invite',
  kinds: ['membership'],
  async handle(event, rt: GhostInviteDeps) {
    if (event.membership !== 'invite') return;
    const ghost = rt.ghosts.parseUserId(event.userId);
    const network = ghost && rt.network(ghost.network);
    if (!network) return;
    const nick = rt.ghostSync.renames.nickOf(network, event.userId) ?? ghost.nick;
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      if (portal.network !== network.id) continue;
      const puppet = network.puppets.get(event.sender);
      if (!puppet?.isConnected || !puppet.client.joinedChannels.has(network.fold(portal.channel))) {
        await rt.tell(event.roomId, event.sender, `${nick} was not invited to ${portal.channel} on IRC: your IRC user is not in the channel. Say something here first (that joins it), then invite again.`);
        continue;
      }
      await puppet.client.invite(nick, portal.channel);
    }
  },
});

/** "Kicked by @mod:example.org: spam" for kicks and bans, the user's own reason (if any) for leaves. */
function partReason(event: MembershipEvent, userId: UserId): string | undefined {
  const given = event.reason?.trim() || undefined;
  if (event.sender === userId) return given;
  const what = event.membership === 'ban' ? 'Banned' : 'Kicked';
  return `${what} from Matrix by ${event.sender}${given ? `: ${given}` : ''}`;
}

/** A channel may be bridged to several rooms: leaving one of them is not leaving the channel. */
async function stillBridgedElsewhere(rt: DepartureDeps, network: IrcNetwork, portal: ChannelPortal, userId: UserId): Promise<boolean> {
  const others: RoomId[] = rt.portals.roomsForChannel(network, portal.channel).filter((r) => r !== portal.roomId);
  for (const roomId of others) {
    const member = await rt.ctx.bot.getState<{ membership?: unknown }>(roomId, 'm.room.member', userId).catch((error: Error) => {
      rt.log.debug('Membership in another bridged room unknown; parting anyway', { roomId, userId, error: error.message });
      return undefined;
    });
    if (member?.membership === 'join') return true;
  }
  return false;
}
