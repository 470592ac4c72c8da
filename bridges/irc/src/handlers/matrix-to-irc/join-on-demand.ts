/**
 * A Matrix user joins a channel portal → their own IRC connection joins the channel, so they
 * appear on IRC from the start rather than at their first message. (Leaving, kicks and the
 * rest of membership belong to the channel-state handlers.) The connect and join run in the
 * background, not in the room's turn: a slow server must not hold up the room's other events.
 * A refusal is told to the user, and so is a channel the IRC server refused by its name (the
 * room stays, nothing is bridged there: portals/refused-channels.ts).
 */
import { isUserId } from '@bridgekit/appservice';
import { tellRefusedPortals } from '../../portals/refused-channels';
import type { MatrixHandler } from '../registry';
import { UndeliverableError } from '../undeliverable';

export const joinOnDemand: MatrixHandler = {
  name: 'matrix.join-on-demand',
  types: ['m.room.member'],
  async handle(event, rt) {
    if (event.content.membership !== 'join' || event.stateKey !== event.sender || !isUserId(event.sender)) return;
    if (rt.ctx.isBridgeUser(event.sender)) return;
    const previous = (event.unsigned?.prev_content as { membership?: unknown } | undefined)?.membership;
    if (previous === 'join') return; // a profile change, not a join
    const displayName = typeof event.content.displayname === 'string' ? event.content.displayname : undefined;
    const user = { userId: event.sender, ...(displayName ? { displayName } : {}) };
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
};
