/**
 * The server refused something a puppet sent (404 cannot send to channel, 401 no such nick,
 * ...). These numerics arrive after the line left, so the Matrix handler has already returned:
 * the refusal is told to the Matrix user here, in the room it concerns, in the room's order.
 */
import type { RoomId } from '@bridgekit/appservice';
import { describeServerRefusal } from '../undeliverable';
import { ircHandler } from '../registry';

/** Refusals that mean "your message did not arrive"; others (e.g. 482 chanop needed) belong to their commands. */
const MESSAGE_REFUSALS = new Set(['cannot_send_to_channel', 'no_such_nick', 'cannot_send_to_user', 'not_on_channel', 'banned_from_channel']);

export const serverRefusals = ircHandler({
  name: 'irc.refusal',
  event: 'serverError',
  from: 'puppet',
  handle(e, origin, rt) {
    if (origin.from !== 'puppet' || !MESSAGE_REFUSALS.has(e.error)) return;
    const { network, puppet } = origin;
    let rooms: RoomId[] = [];
    let target = '';
    if (e.channel && network.isChannel(e.channel)) {
      rooms = rt.portals.roomsForChannel(network, e.channel);
      target = e.channel;
    } else if (e.nick) {
      const room = rt.portals.privateChatRoom(network, puppet.userId, e.nick);
      rooms = room ? [room] : [];
      target = e.nick;
    }
    rt.metrics.undeliverable.inc({ network: network.id, code: 'IRC_NOT_DELIVERED' });
    rt.log.info('IRC refused a message', { network: network.id, userId: puppet.userId, error: e.error, reason: e.reason, target, toldInRooms: rooms.length });
    const text = `Your message to ${target} on ${network.config.name} was not delivered: ${describeServerRefusal(e.error, e.reason)}.`;
    for (const roomId of rooms) rt.roomTask(roomId, 'irc.refusal', () => rt.tell(roomId, puppet.userId, text));
  },
});
