/**
 * A Matrix user joins a channel portal → their own IRC connection joins the channel, so they
 * appear on IRC from the start rather than at their first message. (Leaving, kicks and the
 * rest of membership belong to the channel-state handlers.) The connect and join run in the
 * background, not in the room's turn: a slow server must not hold up the room's other events.
 * A refusal is told to the user, and so is a channel the IRC server refused by its name (the
 * room stays, nothing is bridged there: portals/refused-channels.ts).
 */
import { tellRefusedPortals } from '../../portals/refused-channels';
import { matrixHandler } from '../registry';
import { refusedByModeration, type ModerationRefusalDeps } from '../moderation-refusal';
import { UndeliverableError } from '../undeliverable';
import type { Diagnostics, MatrixSide, RoomTasks } from '../../parts';

export const joinOnDemand = matrixHandler({
  name: 'matrix.join-on-demand',
  kinds: ['membership'],
  async handle(event, rt: Parameters<typeof tellRefusedPortals>[0] & MatrixSide & Pick<Diagnostics, 'log'> & RoomTasks & ModerationRefusalDeps) {
    // Not a profile change (action 'profile'), and only the user's own join.
    if (event.action !== 'join' || event.userId !== event.sender || rt.ctx.isBridgeUser(event.sender)) return;
    const user = { userId: event.sender, ...(event.displayName ? { displayName: event.displayName } : {}) };
    if (rt.portals.channelsOfRoom(event.roomId).length > 0 && await refusedByModeration(rt, event.roomId, event.sender, 'join')) return;
    await tellRefusedPortals(rt, event.roomId, event.sender);
    for (const portal of rt.portals.channelsOfRoom(event.roomId)) {
      const network = rt.network(portal.network);
      if (!network) continue;
      let joined: Promise<void>;
      try {
        joined = network.puppets.want(user, portal.channel, portal.key).joined;
      } catch (error) {
        throw new UndeliverableError(portal.channel, network.config.name, error, 'join');
      }
      joined.catch((error: unknown) => {
        const refusal = new UndeliverableError(portal.channel, network.config.name, error, 'join');
        rt.log.info('A Matrix user\'s IRC connection could not join the channel', { roomId: event.roomId, userId: user.userId, channel: portal.channel, error: refusal.detail });
        rt.roomTask(event.roomId, 'matrix.join-on-demand', () => rt.tell(event.roomId, user.userId, refusal.message));
      });
    }
  },
});
