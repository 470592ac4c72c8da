/**
 * What the provisioning API (provisioning/) may do to the running bridge, implemented over the
 * runtime: read links, check power levels and channel operators, and set links up or tear them
 * down (the bot joins or parts the channel and joins the room).
 */
import { channelRefusal } from '../policy/access';
import type { RoomId, UserId } from '@bridgekit/appservice';
import { powerLevelOf, roomCreators, type PowerLevelsContent } from '../ghosts/power-levels';
import { IrcError } from '../irc/errors';
import type { IrcChannel, NetworkId } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import { ensureBridgeInfo, removeBridgeInfo } from '../portals/bridge-info';
import type { ProvisioningNetwork, ProvisioningOps } from './ops';
import type { Diagnostics, MatrixSide, NetworkDirectory, RoomTasks } from '../parts';
import type { Portals } from '../portals/portals';

/** What the provisioning operations use: the networks' bots, the portals, the room's turn for bridge info, and the core. */
export type ProvisioningOpsDeps = NetworkDirectory & MatrixSide & Diagnostics & RoomTasks & { readonly portals: Portals };

/** Channel prefixes of operators and above (founder ~, admin &, op @). */
const OPERATOR_PREFIXES = /^[~&@]/;

interface PowerLevels extends PowerLevelsContent {
  state_default?: number;
}

export function provisioningBridgeOps(rt: ProvisioningOpsDeps): ProvisioningOps {
  const networkOf = (id: NetworkId): IrcNetwork => {
    const network = rt.network(id);
    if (!network) throw new IrcError('IRC_NOT_CONNECTED', `There is no network called ${id}.`);
    return network;
  };
  return {
    network: (id): ProvisioningNetwork | undefined => {
      const network = rt.network(id);
      if (!network) return undefined;
      return {
        id: network.id, name: network.config.name, connected: network.bot.state === 'connected',
        chanTypes: network.isupport.chanTypes, casemapping: network.casemapping,
        channelRefusal: (channel) => channelRefusal(network.config.access, network.config.name, channel, (s) => network.fold(s)),
      };
    },
    channelsOfRoom: (roomId) => rt.portals.channelsOfRoom(roomId),
    userMayLinkRoom: async (roomId: RoomId, userId: UserId) => {
      try {
        await rt.ctx.bot.join(roomId); // accepts the invite plumbing needs; a no-op when in
        const levels = await rt.ctx.bot.getState<PowerLevels>(roomId, 'm.room.power_levels');
        // In room version 12 the room's creators outrank everyone without a `users` entry.
        const mine = powerLevelOf(userId, levels, await roomCreators(rt.ctx.bot, roomId));
        return mine >= (levels?.state_default ?? 50);
      } catch (error) {
        rt.log.info('Cannot check who may link the room (is the bot invited?)', { roomId, userId, error: (error as Error).message });
        return false;
      }
    },
    isChannelOperator: async (networkId, channel, nick) => {
      const network = networkOf(networkId);
      const whois = await network.bot.client.whois(nick);
      return (whois?.channels ?? []).some((entry) => {
        const name = entry.replace(/^[~&@%+]+/, '');
        return network.fold(name) === network.fold(channel) && OPERATOR_PREFIXES.test(entry);
      });
    },
    sendPrivateMessage: async (networkId, nick, text) => {
      const network = networkOf(networkId);
      await network.bot.ensureConnected();
      await network.bot.client.say(nick, text);
    },
    linkChannel: async (roomId, networkId, channel: IrcChannel, meta) => {
      const network = networkOf(networkId);
      await rt.portals.linkChannel(roomId, network, channel, { origin: 'provisioning', meta: { linkedBy: meta.linkedBy, approvedBy: meta.approvedBy } });
      rt.log.info('Linked a room by provisioning', { roomId, network: network.id, channel, linkedBy: meta.linkedBy, approvedBy: meta.approvedBy });
      network.bot.want(channel);
      await rt.ctx.bot.join(roomId);
      rt.roomTask(roomId, 'irc.bridge-info', async () => void await ensureBridgeInfo(rt, roomId, network, channel));
    },
    unlinkChannel: async (roomId, networkId, channel) => {
      const network = networkOf(networkId);
      if (!await rt.portals.unlinkChannel(roomId, network, channel)) return false;
      rt.log.info('Unlinked a room by provisioning', { roomId, network: network.id, channel });
      rt.roomTask(roomId, 'irc.bridge-info', () => removeBridgeInfo(rt, roomId, network, channel));
      if (rt.portals.roomsForChannel(network, channel).length === 0) {
        await network.bot.part(channel, 'No longer bridged').catch((error: Error) => {
          rt.log.warn('Could not part the unlinked channel', { network: network.id, channel, error: error.message });
        });
      }
      return true;
    },
  };
}
