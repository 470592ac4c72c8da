/**
 * A Matrix user invites an IRC user's ghost into a room that is not a channel portal: the ghost
 * joins and the room becomes the private chat between that Matrix user and the IRC user.
 * (Invites into channel portals belong to the channel-state handlers.)
 */
import type { MembershipEvent } from '@bridgekit/appservice';
import type { GhostSync } from '../../ghosts/ghost-sync';
import type { GhostUserIds } from '../../mapping/ghost-ids';
import type { Diagnostics, GhostResolver, MatrixSide, NetworkDirectory, Speaker } from '../../parts';
import type { Portals } from '../../portals/portals';
import { matrixHandler } from '../registry';

/** What starting a private chat uses: whose ghost was invited (after renames), the room's links, and the ghost's intent. */
type PrivateInviteDeps = MatrixSide & NetworkDirectory & Pick<GhostResolver, 'ghostIntent'> & Pick<Speaker, 'tell'> & Pick<Diagnostics, 'log'> & {
  readonly ghosts: Pick<GhostUserIds, 'parseUserId'>;
  readonly portals: Pick<Portals, 'channelsOfRoom' | 'privateChatOfRoom' | 'linkPrivateChat'>;
  readonly ghostSync: { readonly renames: Pick<GhostSync['renames'], 'nickOf'> };
};

export const privateChatInvites = matrixHandler({
  name: 'matrix.private-invite',
  kinds: ['membership'],
  async handle(event, rt: PrivateInviteDeps) {
    if (event.membership !== 'invite') return;
    const ghost = rt.ghosts.parseUserId(event.userId);
    const network = ghost && rt.network(ghost.network);
    if (!ghost || !network || rt.portals.channelsOfRoom(event.roomId).length > 0) return;
    const intent = rt.ctx.intent(event.userId);
    if (!network.config.privateMessages) {
      await intent.leave(event.roomId, 'Private messages are disabled on this network.');
      return;
    }
    const existing = rt.portals.privateChatOfRoom(event.roomId);
    if (existing && existing.userId !== event.sender) return declineSecondUser(event, rt);
    // The chat is with the person the ghost speaks for now (after renames, not the nick in its ID).
    const nick = rt.ghostSync.renames.nickOf(network, event.userId);
    if (nick === undefined) {
      await intent.leave(event.roomId, `${ghost.nick} on IRC is someone else now, with another Matrix user; start the chat with the one the IRC user speaks as.`);
      return;
    }
    await rt.ghostIntent(network, event.userId);
    await intent.join(event.roomId);
    await rt.portals.linkPrivateChat(event.roomId, network, event.sender, nick, event.userId);
    rt.log.info('Private chat started from Matrix', { network: network.id, userId: event.sender, nick, roomId: event.roomId });
  },
});

async function declineSecondUser(event: MembershipEvent, rt: Pick<Speaker, 'tell'>): Promise<void> {
  await rt.tell(event.roomId, event.sender, 'This room is already a private chat of another Matrix user; start your own chat with the IRC user in a new room.');
}
