/**
 * What the admin commands (admin/) may do to the running bridge, implemented over the runtime:
 * the user's puppet on a network, their channels and portals. The commands own the
 * conversation; this owns the connections.
 */
import { channelRefusal } from '../policy/access';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RoomId, UserId } from '@bridgekit/appservice';
import { CommandError } from './errors';
import type { AdminBridgeOps, AdminPuppet, BridgedRoom, NetworkSummary } from './ops';
import { IrcError } from '../irc/errors';
import type { IrcChannel, NetworkId } from '../mapping/ids';
import type { MatrixUserNames } from '../mapping/nick-template';
import { knownWhois, learnFromWhois } from '../network/known-whois';
import type { IrcNetwork } from '../network/network';
import { createDynamicPortal } from '../portals/dynamic';
import { aliasOfPortal } from '../portals/portal-alias';
import type { ChannelPortal } from '../portals/portals';
import { portalRefusal } from '../portals/refused-channels';
import type { Diagnostics, MatrixSide, NetworkDirectory } from '../parts';
import type { Portals } from '../portals/portals';

/**
 * What the admin commands' operations use: the networks' connections, the channels' portals
 * (made on demand, so what a dynamic portal needs), and the core for reloads and invites.
 */
export type AdminOpsDeps = NetworkDirectory & MatrixSide & Pick<Diagnostics, 'log'>
  & Parameters<typeof portalRefusal>[0] & Parameters<typeof createDynamicPortal>[0] & Parameters<typeof aliasOfPortal>[0]
  & { readonly portals: Pick<Portals, 'roomsForChannel' | 'channelsOfRoom' | 'setChannelKey'> };

export function adminBridgeOps(rt: AdminOpsDeps): AdminBridgeOps {
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
    puppetFor: async (userId, networkId) => {
      const network = networkOf(networkId);
      return (await network.puppets.acquire(await namesOf(rt, network, userId))).client;
    },
    whois: async (userId, networkId, nick) => {
      const network = networkOf(networkId);
      const known = knownWhois(network, nick);
      if (known) return known;
      const puppet = network.puppets.get(userId);
      const info = await (puppet?.isConnected ? puppet.client : network.bot.client).whois(nick);
      if (info) learnFromWhois(network, info);
      return info;
    },
    reconnect: async (userId, networkId) => {
      const network = networkOf(networkId);
      return (await network.puppets.reconnect(await namesOf(rt, network, userId))).client;
    },
    disconnect: async (userId, network, reason) => {
      const puppet = networkOf(network).puppets.get(userId);
      if (!puppet?.isConnected) return false;
      await networkOf(network).puppets.disconnect(userId, reason);
      return true;
    },
    joinChannel: async (userId, networkId, channel, key) => {
      const network = networkOf(networkId);
      const denied = channelRefusal(network.config.access, network.config.name, channel, (s) => network.fold(s));
      if (denied) throw new CommandError(denied);
      // A name the server would refuse is told as such, before a JOIN whose numeric (ngIRCd
      // answers a too-long name with 403 "No such channel") would only puzzle the user.
      const refusal = rt.portals.roomsForChannel(network, channel).length === 0 ? portalRefusal(rt, network, channel) : undefined;
      if (refusal) throw new CommandError(refusal); // the user's choice of name: told, not logged as a failure
      await network.puppets.joinChannel(await namesOf(rt, network, userId), channel, key);
      const roomId = await portalFor(rt, network, channel, key);
      await rt.ctx.bot.invite(roomId, userId).catch((error: Error) => {
        rt.log.debug('Invite to portal not needed or refused', { roomId, userId, error: error.message });
      });
      const portal = channelPortals(rt, network, channel).find((p) => p.roomId === roomId);
      const alias = portal && await aliasOfPortal(rt, network, portal);
      return { roomId, ...(alias ? { alias } : {}) };
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
    listRooms: async (userId: UserId): Promise<BridgedRoom[]> => {
      const rooms: BridgedRoom[] = [];
      for (const network of rt.networks()) {
        for (const channel of network.puppets.get(userId)?.connection.wantedChannels ?? []) {
          for (const portal of channelPortals(rt, network, channel)) {
            const alias = await aliasOfPortal(rt, network, portal);
            rooms.push({ network: network.id, channel: channel as IrcChannel, roomId: portal.roomId, ...(alias ? { alias } : {}) });
          }
        }
      }
      return rooms;
    },
  };
}

/**
 * What a user's new connection takes its nick from. A command can be the first thing a user
 * does on IRC, with no portal to read their display name from: their profile has it, as it
 * would in a portal; without it the nick would come from the Matrix ID's localpart.
 */
async function namesOf(rt: MatrixSide & Pick<Diagnostics, 'log'>, network: IrcNetwork, userId: UserId): Promise<MatrixUserNames> {
  if (network.puppets.get(userId)) return { userId };
  const displayName = await rt.ctx.bot.getProfile(userId).then((profile) => profile?.displayName, (error: Error) => {
    rt.log.debug('No display name for a new IRC connection; using the Matrix ID', { userId, error: error.message });
    return undefined;
  });
  return { userId, ...(typeof displayName === 'string' && displayName.trim() !== '' ? { displayName } : {}) };
}

/** The channel's portals, one per room it is bridged to. */
function channelPortals(rt: { readonly portals: Pick<Portals, 'roomsForChannel' | 'channelsOfRoom'> }, network: IrcNetwork, channel: string): ChannelPortal[] {
  return rt.portals.roomsForChannel(network, channel).flatMap((roomId) =>
    rt.portals.channelsOfRoom(roomId).filter((p) => p.network === network.id && network.fold(p.channel) === network.fold(channel)));
}

/**
 * The channel's portal room, created like a dynamic portal when there is none yet. The key the
 * user's JOIN just proved right is handed to the bot, which needs it to bridge the channel.
 */
async function portalFor(rt: AdminOpsDeps, network: IrcNetwork, channel: string, key: string | undefined): Promise<RoomId> {
  const existing = rt.portals.roomsForChannel(network, channel)[0];
  if (existing) {
    if (key !== undefined && !network.bot.client.joinedChannels.has(network.fold(channel))) {
      rt.portals.setChannelKey(network, channel, key);
      network.bot.want(channel, key);
    }
    return existing;
  }
  const refusal = portalRefusal(rt, network, channel);
  if (refusal) throw new IrcError('IRC_JOIN_FAILED', refusal);
  const alias = rt.aliases.aliasFor(network.id, channel as IrcChannel);
  if (!(await createDynamicPortal(rt, alias, { evenIfDisabled: true, ...(key !== undefined ? { key } : {}) }))) {
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
