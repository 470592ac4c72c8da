/**
 * Who the nicks of an IRC channel are, for format/mentions.ts (which decides which words count):
 * only members the bot sees in the channel. A nick of one of our puppets is the Matrix user
 * behind it; any other nick is that IRC user's ghost. `sender` is the speaker's ghost, never pilled.
 */
import type { UserId } from '@bridgekit/appservice';
import type { MentionRules } from '../../format/mentions';
import { isIrcError } from '../../irc/errors';
import type { IrcNetwork } from '../../network/network';
import type { GhostRenames } from '../../ghosts/renames';

export function channelMentions(rt: { readonly ghostSync: { readonly renames: Pick<GhostRenames, 'userIdFor'> } }, network: IrcNetwork, channel: string, sender: UserId): MentionRules {
  const lookup: MentionRules['lookup'] = (word) => {
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
  return { lookup, sender };
}
