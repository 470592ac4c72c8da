// The mapping building blocks: names on both sides and how they correspond. A deliberate list.
export type { NetworkId, IrcNick, IrcChannel } from './ids';
export { asNetworkId, isNetworkId, asIrcNick, isIrcNick, asIrcChannel, isIrcChannel } from './ids';
export type { Casemapping, ChannelKey, NickKey } from './casefold';
export { parseCasemapping, casefold, sameName, channelKey, nickKey, splitKey } from './casefold';
export type { GhostUserIdsOptions } from './ghost-ids';
export { GhostUserIds, GhostIdTooLongError, escapeNick, unescapeNick } from './ghost-ids';
export type { MatrixUserNames } from './nick-template';
export {
  nickFromTemplate, nickCandidates, identFromTemplate, realnameFromTemplate, sanitizeNickText,
  DEFAULT_NICK_LENGTH, MAX_IDENT_LENGTH, MAX_REALNAME_LENGTH,
} from './nick-template';
export type { PortalAliasOptions } from './alias';
export { PortalAliases, AliasTooLongError, DEFAULT_ALIAS_TEMPLATE } from './alias';
