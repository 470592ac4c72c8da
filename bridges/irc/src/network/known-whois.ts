/**
 * `!whois` without a round trip: on a server that keeps the bridge told (account-notify,
 * away-notify, extended-join, chghost), what the bot already knows of a user in its channels is
 * the answer. Otherwise the server is asked, and its answer is kept for the next time.
 */
import type { WhoisInfo } from '../irc/translate';
import type { IrcNick } from '../mapping/ids';
import type { IrcNetwork } from './network';

/** What the bot knows of `nick`, as a WHOIS answer; undefined when only the server can tell. */
export function knownWhois(network: IrcNetwork, nick: IrcNick): WhoisInfo | undefined {
  const user = network.users.get(nick);
  if (!user?.current || !network.hearsAccountsAndAway) return undefined;
  const shared = network.roster.channelsOf(nick);
  // Out of the bot's channels (it left them), nothing more is heard about the user.
  if (shared.length === 0) return undefined;
  const channels = shared.map((channel) => `${network.roster.prefixesOf(channel, nick) ?? ''}${channel}`);
  return {
    nick: user.nick,
    ...(user.ident !== undefined ? { ident: user.ident } : {}),
    ...(user.host !== undefined ? { host: user.host } : {}),
    ...(user.realname !== undefined ? { realname: user.realname } : {}),
    channels,
    ...(user.account ? { account: user.account } : {}),
    ...(user.away !== undefined ? { away: user.away } : {}),
    operator: false,
    secure: false,
    fromBridge: true,
  };
}

/** A WHOIS answer about a user in the bot's channels: from now on the bridge knows them. */
export function learnFromWhois(network: IrcNetwork, info: WhoisInfo): void {
  if (network.roster.channelsOf(info.nick).length === 0) return;
  network.users.update(info.nick, {
    ...(info.ident !== undefined ? { ident: info.ident } : {}),
    ...(info.host !== undefined ? { host: info.host } : {}),
    ...(info.realname !== undefined ? { realname: info.realname } : {}),
    account: info.account ?? null,
    away: info.away,
    ...(network.hearsAccountsAndAway ? { current: true } : {}),
  });
}
