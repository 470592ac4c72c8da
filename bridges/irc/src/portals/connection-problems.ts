/**
 * What the networks report about a user's or the bot's connection, told to the people it
 * concerns: a failed (re)join in the bridged rooms, an unusable stored password in the user's
 * admin room.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { IrcNetwork } from '../network/network';
import type { Diagnostics, MatrixSide, RoomTasks, Speaker } from '../parts';
import type { Portals } from './portals';
import { isChannelNameRefusal, refuseChannel } from './refused-channels';

type ProblemDeps = Diagnostics & MatrixSide & RoomTasks & Speaker & { readonly portals: Portals };

/**
 * A join that failed after a (re)connect: the people in the bridged rooms should know. The bot
 * refused for the channel's very name stops trying (refused-channels.ts).
 */
export function reportJoinFailure(rt: ProblemDeps, network: IrcNetwork, channel: string, error: Error, userId?: UserId): void {
  if (!userId && isChannelNameRefusal(error)) {
    refuseChannel(rt, network, channel, error);
    return;
  }
  for (const roomId of rt.portals.roomsForChannel(network, channel)) {
    if (userId) {
      rt.roomTask(roomId, 'irc.join-failed', () => rt.tell(roomId, userId, `Your IRC connection could not rejoin ${channel}: ${error.message}`));
    } else {
      rt.roomTask(roomId, 'irc.join-failed', async () => {
        await rt.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body: `The bridge could not join ${channel} on ${network.config.name}: ${error.message} Messages from IRC will not arrive until it can.` });
      });
    }
  }
}

/**
 * The user's stored password could not be used (they are connected without it): they should
 * know, or they wonder why NickServ does not recognise them. Told in their admin room if they
 * have one; without one there is no private place to say it, so it is only logged.
 */
export function reportLoginProblem(
  rt: Pick<ProblemDeps, 'log' | 'roomTask' | 'tell'>, adminRoomsOf: (userId: UserId) => Promise<RoomId[]>, network: IrcNetwork, userId: UserId, error: Error,
): void {
  rt.log.warn('Stored IRC login unusable; connecting without it', { network: network.id, userId, error: error.message });
  const text = `Your stored IRC password for ${network.config.name} could not be used, so you are connected without it. ${error.message}`;
  adminRoomsOf(userId).then(([room]) => {
    if (room) rt.roomTask(room, 'irc.login-problem', () => rt.tell(room, userId, text));
  }, (lookupError: Error) => rt.log.warn('Could not look up the admin room to report a login problem', { userId, error: lookupError.message }));
}
