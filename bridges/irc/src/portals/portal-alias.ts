/**
 * The alias a person would use to reach a portal: the bridge's own alias for portals it created
 * from an alias, otherwise the room's canonical alias (rooms linked by their admins). Shared by
 * the third-party lookups and !listrooms so both name a room the same way.
 */
import { isMatrixError, type RoomAlias, type RoomId } from '@bridgekit/appservice';
import { AliasTooLongError } from '../mapping/alias';
import type { IrcChannel } from '../mapping/ids';
import type { IrcNetwork } from '../network/network';
import type { BridgeRuntime } from '../runtime';
import type { ChannelPortal } from './portals';

/** The alias of one portal, or undefined when it has none the bot can see. */
export async function aliasOfPortal(rt: BridgeRuntime, network: IrcNetwork, portal: ChannelPortal): Promise<RoomAlias | undefined> {
  return portal.origin === 'alias' ? bridgeAlias(rt, network, portal.channel) : canonicalAlias(rt, portal.roomId);
}

/** The alias the bridge's template gives a channel; undefined when it would be too long to exist. */
export function bridgeAlias(rt: BridgeRuntime, network: IrcNetwork, channel: string): RoomAlias | undefined {
  try {
    return rt.aliases.aliasFor(network.id, channel as IrcChannel);
  } catch (error) {
    if (error instanceof AliasTooLongError) return undefined;
    throw error;
  }
}

/** The room's canonical alias, when it has one the bot can read. */
export async function canonicalAlias(rt: BridgeRuntime, roomId: RoomId): Promise<RoomAlias | undefined> {
  try {
    const content = await rt.ctx.bot.getState<{ alias?: unknown }>(roomId, 'm.room.canonical_alias');
    return typeof content?.alias === 'string' && content.alias.startsWith('#') ? content.alias as RoomAlias : undefined;
  } catch (error) {
    if (isMatrixError(error, 'M_NOT_FOUND') || isMatrixError(error, 'M_FORBIDDEN')) return undefined;
    throw error;
  }
}
