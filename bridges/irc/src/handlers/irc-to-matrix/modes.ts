/**
 * IRC MODE on a bridged channel (and the modes the server reports when the bot joins):
 * prefix modes (+o, +v, ...) → the ghost's power level (ghosts/power-levels.ts), channel modes
 * +i/+k/+s/+m → the rooms (portals/channel-modes.ts). Prefix changes of our own puppets change
 * nothing in Matrix: IRC status is mirrored one way, for IRC users.
 */
import type { IrcNick } from '../../mapping/ids';
import { applyChannelModes, type ChannelModeDeps } from '../../portals/channel-modes';
import { ircHandler } from '../registry';
import type { GhostSync } from '../../ghosts/ghost-sync';

export const channelModes = ircHandler({
  name: 'irc.mode',
  event: 'mode',
  handle(e, { network }, rt: ChannelModeDeps & { readonly ghostSync: Pick<GhostSync, 'statusChanged'> }) {
    if (!network.isChannel(e.target) || rt.portals.roomsForChannel(network, e.target).length === 0) return;
    const prefixModes = network.isupport.prefix.map((p) => p.mode).join('');
    for (const change of e.changes) {
      if (!prefixModes.includes(change.mode) || !change.param || network.ownNicks.has(change.param)) continue;
      rt.ghostSync.statusChanged(network, e.target, change.param as IrcNick);
    }
    applyChannelModes(rt, network, e.target, e.changes, e.current === true);
  },
});
