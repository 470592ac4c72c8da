/**
 * What the admin commands (admin/) may do to the running bridge, implemented over the runtime:
 * the user's puppet on a network, their channels and portals. The commands own the
 * conversation; this owns the connections.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomId, UserId } from '@bridgekit/appservice';
import type { AdminBridgeOps, AdminPuppet, BridgedRoom, NetworkSummary } from './ops';
import { IrcError } from '../irc/errors';
import type { IrcChannel, NetworkId } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import { createDynamicPortal } from '../portals/dynamic';
import { portalRefusal } from '../portals/refused-channels';
import type { BridgeRuntime } from '../runtime';

export function adminBridgeOps(rt: BridgeRuntime): AdminBridgeOps {
  const networkOf = (id: NetworkId): IrcNetwork => {
    const network = rt.network(id);
    if (!network) throw new IrcError('IRC_NOT_CONNECTED', `There is no network called ${id}; say !help for the configured ones.`);
    return network;
  };
  return {
    networks: (): NetworkSummary[] => rt.networks().map((n) => ({ id: n.id, name: n.config.name })),
    reloadConfig: () => rt.ctx.reloadConfig(),
    bridgeVersion: () => `bridgekit-irc ${packageVersion('..')} (irc-framework ${packageVersion(dirnameOf('irc-framework/package.json'))})`,
    connectedPuppet: (userId, network): AdminPuppet | undefined => {
      const puppet = networkOf(network).puppets.get(userId);
      return puppet?.isConnected ? puppet.client : undefined;
    },
    puppetFor: async (userId, network) => (await networkOf(network).puppets.acquire({ userId })).client,
    reconnect: async (userId, network) => (await networkOf(network).puppets.reconnect({ userId })).client,
    disconnect: async (userId, network, reason) => {
      const puppet = networkOf(network).puppets.get(userId);
      if (!puppet?.isConnected) return false;
      await networkOf(network).puppets.disconnect(userId, reason);
      return true;
    },
    joinChannel: async (userId, networkId, channel, key) => {
      const network = networkOf(networkId);
      await network.puppets.joinChannel({ userId }, channel, key);
      const roomId = await portalFor(rt, network, channel);
      await rt.ctx.bot.invite(roomId, userId).catch((error: Error) => {
        rt.log.debug('Invite to portal not needed or refused', { roomId, userId, error: error.message });
      });
      return { roomId };
    },
    partChannel: async (userId, networkId, channel) => {
      const network = networkOf(networkId);
      const puppet = network.puppets.get(userId);
      if (!puppet?.connection.wants(channel)) return false;
      await network.puppets.partChannel(userId, channel);
      for (const roomId of rt.portals.roomsForChannel(network, channel)) {
        await rt.ctx.bot.kick(roomId, userId, `Left ${channel} with !part`).catch((error: Error) => {
          rt.log.warn('Could not remove the user from the portal', { roomId, userId, error: error.message });
        });
      }
      return true;
    },
    listRooms: async (userId: UserId): Promise<BridgedRoom[]> => rt.networks().flatMap((network) => {
      const puppet = network.puppets.get(userId);
      return (puppet?.connection.wantedChannels ?? []).flatMap((channel) =>
        rt.portals.roomsForChannel(network, channel).map((roomId) => ({ network: network.id, channel: channel as IrcChannel, roomId })));
    }),
  };
}

/** The channel's portal room, created like a dynamic portal when there is none yet. */
async function portalFor(rt: BridgeRuntime, network: IrcNetwork, channel: string): Promise<RoomId> {
  const existing = rt.portals.roomsForChannel(network, channel)[0];
  if (existing) return existing;
  const refusal = portalRefusal(rt, network, channel);
  if (refusal) throw new IrcError('IRC_JOIN_FAILED', refusal);
  const alias = rt.aliases.aliasFor(network.id, channel as IrcChannel);
  if (!(await createDynamicPortal(rt, alias, { evenIfDisabled: true }))) {
    throw new IrcError('IRC_JOIN_FAILED', `Could not create a room for ${channel}.`);
  }
  const created = rt.portals.roomsForChannel(network, channel)[0];
  if (!created) throw new IrcError('IRC_JOIN_FAILED', `Could not create a room for ${channel}.`);
  return created;
}

function dirnameOf(request: string): string {
  return join(require.resolve(request), '..');
}

function packageVersion(dir: string): string {
  try {
    const path = dir === '..' ? join(__dirname, '..', '..', 'package.json') : join(dir, 'package.json');
    return String((JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}
