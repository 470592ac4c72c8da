/**
 * Channels the IRC server will not have. Two lines of defence:
 *   - before anything is created: a name the server's ISUPPORT rules out (CHANTYPES,
 *     CHANNELLEN) gets no portal (`portalRefusal`, asked by the alias query and by !join);
 *   - when the bot's JOIN is refused for the name itself (479 ERR_BADCHANNAME, 476
 *     ERR_BADCHANMASK, 403 ERR_NOSUCHCHANNEL, which servers such as ngIRCd send for a name they
 *     reject), the portal is marked refused (portals.ts), the bot forgets the channel, so no
 *     reconnect or restart tries again, the admin gets one log line and the room one notice;
 *     whoever joins the room later is told why nothing is bridged there.
 * Bans, keys, invite-only and full channels are not refusals of the name: they can change, and
 * stay with the ordinary join-failure notice and rejoin after a reconnect.
 */
import type { RoomId, UserId } from '@bridgekit/appservice';
import { JoinFailedError } from '../irc/errors';
import type { IrcNetwork } from '../network/network';
import type { Diagnostics, MatrixSide, NetworkDirectory, RoomTasks, Speaker } from '../parts';
import type { ChannelRefusal, Portals } from './portals';

interface RefusalDeps {
  readonly portals: Portals;
}

/** JOIN numerics by which the server rejects the channel's name rather than the joiner. */
const NAME_REFUSALS: ReadonlySet<string> = new Set(['403', '476', '479']);

export function isChannelNameRefusal(error: Error): error is JoinFailedError {
  return error instanceof JoinFailedError && NAME_REFUSALS.has(error.numeric);
}

/**
 * Why no portal should be made for `channel`, as a sentence for the user (the name breaks the
 * server's announced rules, or the server refused it before); undefined when one may be made.
 */
export function portalRefusal(rt: RefusalDeps, network: IrcNetwork, channel: string): string | undefined {
  const problem = network.channelNameProblem(channel);
  if (problem) return problem;
  const refused = rt.portals.refusalOf(network, channel);
  return refused && refusalSentence(network, channel, refused);
}

/** The bot's JOIN was refused for the channel's name: stop bridging it, once. Call from the IRC listener. */
export function refuseChannel(rt: RefusalDeps & Diagnostics & MatrixSide & RoomTasks, network: IrcNetwork, channel: string, error: JoinFailedError): void {
  const refusal: ChannelRefusal = { numeric: error.numeric, reason: error.reason };
  const rooms = rt.portals.markRefused(network, channel, refusal);
  // Not joined (the JOIN failed): this only forgets the channel, so no reconnect retries it.
  network.bot.part(channel).catch((partError: Error) => {
    rt.log.debug('Could not forget a refused channel', { network: network.id, channel, error: partError.message });
  });
  if (rooms.length === 0) return;
  rt.metrics.channelsRefused.inc({ network: network.id, stage: 'join' });
  rt.log.warn('The IRC server refused the channel name; its portals are marked refused and the bridge will not join it again', {
    network: network.id, channel, numeric: refusal.numeric, reason: refusal.reason, rooms,
  });
  const body = refusalSentence(network, channel, refusal);
  for (const roomId of rooms) {
    rt.roomTask(roomId, 'irc.channel-refused', async () => void await rt.ctx.bot.sendMessage(roomId, { msgtype: 'm.notice', body }));
  }
}

/** Someone joined a room whose channel was refused: they should know nothing is bridged there. */
export async function tellRefusedPortals(rt: RefusalDeps & NetworkDirectory & Speaker, roomId: RoomId, userId: UserId): Promise<void> {
  for (const portal of rt.portals.refusedChannelsOfRoom(roomId)) {
    const network = rt.network(portal.network);
    if (network && portal.refused) await rt.tell(roomId, userId, refusalSentence(network, portal.channel, portal.refused));
  }
}

function refusalSentence(network: IrcNetwork, channel: string, refusal: ChannelRefusal): string {
  return `${network.config.name} refused the channel name ${channel} (${refusal.reason}, ${refusal.numeric}), so this room is not bridged to it. Use a channel name the network accepts.`;
}
