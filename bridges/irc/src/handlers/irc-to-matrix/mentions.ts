/**
 * Which words of an IRC message are people: nicks the bot sees in the channel. A nick of one of
 * our puppets is the Matrix user behind it; any other nick is that IRC user's ghost.
 */
import type { MentionLookup } from '../../format/irc-to-matrix';
import { isIrcError } from '../../irc/errors';
import type { IrcNetwork } from '../../network/network';
import type { BridgeRuntime } from '../../runtime';

export function channelMentions(rt: BridgeRuntime, network: IrcNetwork, channel: string): MentionLookup {
  return (word) => {
    const nick = network.roster.find(channel, word);
    if (!nick || network.fold(nick) === network.fold(network.botNick)) return undefined;
    const matrixUser = network.ownNicks.userOf(nick);
    if (matrixUser) return { userId: matrixUser, displayName: nick };
    try {
      return { userId: rt.ghostSync.renames.userIdFor(network, nick), displayName: nick };
    } catch (error) {
      if (isIrcError(error)) return undefined; // a nick too long for a user ID stays text
      throw error;
    }
  };
}
