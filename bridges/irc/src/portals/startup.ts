/**
 * At start-up the bot rejoins every channel the store links to a room (so a restart keeps every
 * portal), and the static rooms from the config are linked if they are not yet. A config reload
 * links and joins the static rooms it adds (`addStaticRooms`).
 */
import type { IrcNetwork } from '../network/network';
import type { Diagnostics, MatrixSide } from '../parts';
import type { Portals } from './portals';

type StaticRoom = IrcNetwork['config']['staticRooms'][number];
/** What linking and joining static rooms uses. */
type StartupDeps = MatrixSide & Pick<Diagnostics, 'log'> & { readonly portals: Portals };

export async function joinBridgedChannels(rt: StartupDeps, network: IrcNetwork): Promise<void> {
  for (const room of network.config.staticRooms) await linkStaticRoom(rt, network, room);
  const channels = rt.portals.channels(network.id);
  for (const portal of channels) network.bot.want(portal.channel, portal.key);
  rt.log.info('Joining bridged channels', { network: network.id, channels: channels.length });
}

/** Static rooms added to the config of a running network (a reload): linked, and their channels joined. */
export async function addStaticRooms(rt: StartupDeps, network: IrcNetwork, rooms: readonly StaticRoom[]): Promise<void> {
  for (const room of rooms) {
    await linkStaticRoom(rt, network, room);
    network.bot.want(room.channel, room.key);
  }
}

async function linkStaticRoom(rt: StartupDeps, network: IrcNetwork, room: StaticRoom): Promise<void> {
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
