/**
 * The server refused a channel operator command a Matrix user's puppet sent for them (482: a
 * topic change on a +t channel, a KICK or ban without ops). The refusal arrives after the Matrix
 * handler returned, so the user is told here, in the channel's rooms.
 */
import { ircHandler } from '../registry';
import type { RoomTasks, Speaker } from '../../parts';
import type { Portals } from '../../portals/portals';

export const operatorRefusals = ircHandler({
  name: 'irc.op-refusal',
  event: 'serverError',
  from: 'puppet',
  handle(e, origin, rt: RoomTasks & Pick<Speaker, 'tell'> & { readonly portals: Portals }) {
    if (origin.from !== 'puppet' || e.error !== 'chanop_privs_needed' || !e.channel) return;
    const { network, puppet } = origin;
    const text = `${e.channel} on ${network.config.name} refused your change: your IRC user ${puppet.nick} needs channel operator status there${e.reason ? ` (${e.reason})` : ''}.`;
    for (const roomId of rt.portals.roomsForChannel(network, e.channel)) rt.roomTask(roomId, 'irc.op-refusal', () => rt.tell(roomId, puppet.userId, text));
  },
});
