/**
 * The `irc` third-party protocol: what a client's "join a network's room" search talks to, via
 * the homeserver. One instance per configured network; a location is a channel (found by
 * network + channel, answered with the room alias that reaches it), a user is a nick (answered
 * with the ghost that speaks for it, or the Matrix user behind one of our own puppets), and both
 * also backwards (alias → channel, user ID → nick).
 *
 * A channel is answered with its portal alias when the bridge has that portal, or may create it
 * (bridged nowhere yet, dynamic portals on, a name the server accepts); rooms linked by their
 * admins are answered with their canonical alias, if they have one. Nothing here creates
 * anything: joining the alias does (portals/dynamic.ts).
 */
import {
  type RoomAlias, type ThirdPartyLocation, type ThirdPartyProtocol, type ThirdPartyProvider, type ThirdPartyUser, type UserId,
} from '@bridgekit/appservice';
import type { IrcBridgeConfig } from './config/types';
import { isIrcChannel, isIrcNick } from './mapping/ids';
import type { IrcNetwork } from './network/network';
import { aliasOfPortal, bridgeAlias, canonicalAlias } from './portals/portal-alias';
import { portalRefusal } from './portals/refused-channels';
import type { BridgeRuntime } from './runtime';

export const PROTOCOL = 'irc';

/** The protocol's metadata; fixed by the config, so the homeserver may cache it. */
export function ircProtocol(config: IrcBridgeConfig): ThirdPartyProtocol {
  const [first] = config.networks.keys();
  return {
    userFields: ['network', 'nickname'],
    locationFields: ['network', 'channel'],
    fieldTypes: {
      network: { regexp: '[a-z0-9][a-z0-9-]*', placeholder: first ?? 'libera' },
      channel: { regexp: '[#&+!][^\\s,:\\x07]+', placeholder: '#matrix' },
      nickname: { regexp: '[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]*', placeholder: 'alice' },
    },
    instances: [...config.networks.values()].map((net) => ({ networkId: net.id, desc: net.name, fields: { network: net.id } })),
    ...(config.protocolIcon !== undefined ? { icon: config.protocolIcon } : {}),
  };
}

export class IrcThirdParty implements ThirdPartyProvider {
  readonly protocols: Readonly<Record<string, ThirdPartyProtocol>>;

  /** `runtime` is asked at lookup time: lookups arrive only once the connector has started. */
  constructor(config: IrcBridgeConfig, private readonly runtime: () => BridgeRuntime) {
    this.protocols = { [PROTOCOL]: ircProtocol(config) };
  }

  async locations(_protocol: string, fields: Record<string, string>): Promise<ThirdPartyLocation[]> {
    const rt = this.runtime();
    const network = networkOf(rt, fields.network);
    const channel = fields.channel;
    if (!network || !isIrcChannel(channel, network.isupport.chanTypes) || network.channelNameProblem(channel)) return [];
    const aliases = new Set<RoomAlias>();
    const rooms = rt.portals.roomsForChannel(network, channel);
    for (const roomId of rooms) {
      const portal = rt.portals.channelsOfRoom(roomId).find((p) => p.network === network.id && network.fold(p.channel) === network.fold(channel));
      const alias = portal ? await aliasOfPortal(rt, network, portal) : await canonicalAlias(rt, roomId);
      if (alias) aliases.add(alias);
    }
    // Only for a channel bridged nowhere yet: a second room beside one its admins chose would split the conversation.
    if (rooms.length === 0 && network.config.dynamicPortals && !portalRefusal(rt, network, channel)) {
      const alias = bridgeAlias(rt, network, channel);
      if (alias) aliases.add(alias);
    }
    return [...aliases].map((alias) => ({ alias, protocol: PROTOCOL, fields: { network: network.id, channel } }));
  }

  async users(_protocol: string, fields: Record<string, string>): Promise<ThirdPartyUser[]> {
    const rt = this.runtime();
    const network = networkOf(rt, fields.network);
    const nick = fields.nickname;
    if (!network || !isIrcNick(nick)) return [];
    // One of our own puppets: the IRC user is a Matrix user.
    const userId = network.ownNicks.userOf(nick) ?? rt.ghostSync.ghostOf(network, nick);
    return userId ? [{ userId, protocol: PROTOCOL, fields: { network: network.id, nickname: nick } }] : [];
  }

  async locationsByAlias(alias: RoomAlias): Promise<ThirdPartyLocation[]> {
    const rt = this.runtime();
    const parsed = rt.aliases.parseAlias(alias);
    const network = parsed && rt.network(parsed.network);
    if (!parsed || !network) return [];
    return [{ alias, protocol: PROTOCOL, fields: { network: network.id, channel: parsed.channel } }];
  }

  async usersByUserId(userId: UserId): Promise<ThirdPartyUser[]> {
    const rt = this.runtime();
    const ghost = rt.ghosts.parseUserId(userId);
    const ghostNetwork = ghost && rt.network(ghost.network);
    if (ghost && ghostNetwork) {
      // After a NICK the ghost speaks for its new nick (ghosts/renames.ts).
      const nickname = rt.ghostSync.renames.nickOf(ghostNetwork, userId) ?? ghost.nick;
      return [{ userId, protocol: PROTOCOL, fields: { network: ghostNetwork.id, nickname } }];
    }
    // A Matrix user is an IRC user too wherever they have a connection.
    return rt.networks().flatMap((network) => {
      const puppet = network.puppets.get(userId);
      return puppet ? [{ userId, protocol: PROTOCOL, fields: { network: network.id, nickname: puppet.nick } }] : [];
    });
  }
}

/** The network asked for; the only one when the client did not say and there is only one. */
function networkOf(rt: BridgeRuntime, id: string | undefined): IrcNetwork | undefined {
  if (id !== undefined) return rt.network(id);
  const networks = rt.networks();
  return networks.length === 1 ? networks[0] : undefined;
}
