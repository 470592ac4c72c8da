/**
 * Per-network access lists (`irc.networks.<id>.access`): channels that may not be bridged, and
 * Matrix users who may not use the network. Read at every check from the network's current
 * config, so a reload applies them at once. Deny wins over allow; an empty allow list allows all.
 */
import type { UserId } from '@bridgekit/appservice';
import type { IrcNetworkConfig } from '../config/types';
import { matchesAny } from './patterns';

type Access = IrcNetworkConfig['access'];

/** Why the channel may not be bridged (a sentence for the user), or undefined when it may. */
export function channelRefusal(access: Access, networkName: string, channel: string, fold: (s: string) => string): string | undefined {
  const excluded = matchesAny(access.excludeChannels, channel, fold)
    || (access.allowChannels.length > 0 && !matchesAny(access.allowChannels, channel, fold));
  return excluded ? `The bridge's admin does not allow ${channel} on ${networkName} to be bridged.` : undefined;
}

/** Why the user may not use the network (a sentence for them), or undefined when they may. */
export function userRefusal(access: Access, networkName: string, userId: UserId): string | undefined {
  const excluded = matchesAny(access.excludeUsers, userId)
    || (access.allowUsers.length > 0 && !matchesAny(access.allowUsers, userId));
  return excluded ? `The bridge's admin does not allow your account to use ${networkName}.` : undefined;
}
