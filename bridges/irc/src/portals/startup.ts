/**
 * At start-up the bot rejoins every channel the store links to a room (so a restart keeps every
 * portal), and the static rooms from the config are linked if they are not yet.
 */
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';

export async function joinBridgedChannels(rt: BridgeRuntime, network: IrcNetwork): Promise<void> {
  for (const room of network.config.staticRooms) {
    const linked = rt.portals.channelsOfRoom(room.roomId).some((p) => p.network === network.id && network.fold(p.channel) === network.fold(room.channel));
    if (!linked) {
      await rt.portals.linkChannel(room.roomId, network, room.channel, { origin: 'static', ...(room.key !== undefined ? { key: room.key } : {}) });
      rt.log.info('Linked a static room', { network: network.id, channel: room.channel, roomId: room.roomId });
    }
    // The bot must be in the room to send notices and let ghosts in; an admin may have to invite it first.
    rt.ctx.bot.join(room.roomId).catch((error: Error) => {
      rt.log.warn('The bot cannot join a static room; invite it', { roomId: room.roomId, error: error.message });
    });
  }
  const channels = rt.portals.channels(network.id);
  for (const portal of channels) network.bot.want(portal.channel, portal.key);
  rt.log.info('Joining bridged channels', { network: network.id, channels: channels.length });
}
