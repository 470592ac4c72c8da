// Text between the two networks: formatting, splitting, sanitizing. A deliberate list.
export type { MatrixText } from './irc-to-matrix';
export type { MentionLookup, MentionRules, MentionTarget } from './mentions';
export { findMentions, MIN_MENTION_LENGTH } from './mentions';
export { ircToMatrix, escapeHtml, userPermalink } from './irc-to-matrix';
export type { MatrixMessageText, PillLookup, MatrixToIrcOptions } from './matrix-to-irc';
export { matrixToIrc, htmlToIrc, stripReplyFallback, userIdFromPermalink } from './matrix-to-irc';
export type { LineFraming, PrefixEstimate } from './split';
export { splitMessage, textBudget, estimatePrefixLength, ctcpAction, LineBudgetError, IRC_LINE_BYTES } from './split';
export { safeParam, safeTrailing, stripLineBreaks, buildLine, decodeIrcLine, assertEncoding, UnsafeIrcParamError } from './sanitize';
export { stripMirc } from './mirc';
export { isBlank } from './blank';
