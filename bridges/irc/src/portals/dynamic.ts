/**
 * Dynamic portals: a Matrix user joins `#_irc_libera_#matrix:example.org`, the homeserver asks
 * the bridge about the alias, and the bridge creates the room with that alias, links it to the
 * channel and has its bot join the channel. The query blocks the homeserver's pushes, so the
 * IRC join is not awaited: if it fails the room gets a notice. A channel name the server rules
 * out (its ISUPPORT, or an earlier refusal: portals/refused-channels.ts) gets no room at all:
 * the answer is 404.
 */
import { localpartOf, type RoomAlias, type RoomId } from '@bridgekit/appservice';
import type { BridgeRuntime } from '../runtime';
import { channelBridgeInfo, markBridgeInfo } from './bridge-info';
import { CHANNEL, type ChannelMeta } from './portals';
import { portalRefusal } from './refused-channels';

export interface DynamicPortalOptions {
  /** For !join, which may create a portal where aliases may not. */
  evenIfDisabled?: boolean;
  /** The channel key the user joined with (!join #chan key): the bot needs it too, and so does every later rejoin. */
  key?: string;
}

export function createDynamicPortal(rt: BridgeRuntime, alias: RoomAlias, options: DynamicPortalOptions = {}): Promise<boolean> {
  // The homeserver may ask twice while the first room is being made: one room, one answer.
  const inFlight = rt.portals.creating;
  const running = inFlight.get(alias);
  if (running) return running;
  const creation = create(rt, alias, options).finally(() => inFlight.delete(alias));
  inFlight.set(alias, creation);
  return creation;
}

async function create(rt: BridgeRuntime, alias: RoomAlias, { evenIfDisabled = false, key }: DynamicPortalOptions): Promise<boolean> {
  const parsed = rt.aliases.parseAlias(alias);
  const network = parsed && rt.network(parsed.network);
  if (!parsed || !network) return false;
  if (!network.config.dynamicPortals && !evenIfDisabled) {
    rt.log.info('Alias query for a network without dynamic portals', { alias, network: network.id });
    return false;
  }
  const refusal = portalRefusal(rt, network, parsed.channel);
  if (refusal) {
    rt.metrics.channelsRefused.inc({ network: network.id, stage: 'isupport' });
    rt.log.info('No portal for a channel name the IRC server does not accept', { alias, network: network.id, channel: parsed.channel, why: refusal });
    return false;
  }
  // The core creates the room (bridge info, alias) and links it; the portals index it.
  const portal = await rt.ctx.portals.create<ChannelMeta>({
    network: network.id, remoteId: network.fold(parsed.channel), kind: CHANNEL, metadata: { channel: parsed.channel, origin: 'alias', ...(key !== undefined ? { key } : {}) },
    alias: localpartOf(alias),
    name: parsed.channel,
    preset: 'public_chat',
    visibility: 'private',
    initialState: [{ type: 'm.room.history_visibility', content: { history_visibility: 'joined' } }],
    bridgeInfo: channelBridgeInfo(network, network.config, parsed.channel),
  });
  const roomId: RoomId = portal.roomId;
  rt.portals.adopt(portal);
  await markBridgeInfo(rt, roomId, network, parsed.channel);
  rt.log.info('Created a portal', { alias, roomId, network: network.id, channel: parsed.channel });
  network.bot.want(parsed.channel, key);
  return true;
}
