/**
 * The IRC bridge's error codes, in the core's one registry (`defineErrorCodes`): each has its
 * HTTP status, whether the same action can succeed later (`retriable`), whether the Matrix user
 * who caused it is told (`notifySender`), a line for the docs (`summary`) and the sentence a user
 * reads when nothing more particular was written (`userMessage`). A code is stable: rename
 * nothing, add a row.
 */
import { BridgeError, defineErrorCodes, type BridgeErrorOptions } from '@bridgekit/appservice';

const RECONNECTING = 'The bridge is reconnecting to IRC; try again in a minute.';

export const IRC_ERROR_CODES = defineErrorCodes({
  IRC_CONNECT_FAILED: {
    httpStatus: 502, retriable: true, notifySender: true,
    summary: 'The TCP/TLS connection to the IRC server failed (refused, DNS, certificate).',
    userMessage: 'The bridge could not reach the IRC server; try again in a few minutes.',
  },
  IRC_REGISTRATION_TIMEOUT: {
    httpStatus: 504, retriable: true, notifySender: true,
    summary: 'The server did not complete registration (001) in time.',
    userMessage: 'The IRC server did not let the bridge log in in time; try again in a few minutes.',
  },
  IRC_CONNECTION_CLOSED: {
    httpStatus: 502, retriable: true, notifySender: true,
    summary: 'The connection closed before the server answered (ERROR, K-line, ping timeout, quit).',
    userMessage: RECONNECTING,
  },
  IRC_NOT_CONNECTED: {
    httpStatus: 503, retriable: true, notifySender: true,
    summary: 'A command was sent on a connection that is not registered.',
    userMessage: RECONNECTING,
  },
  IRC_NICK_UNAVAILABLE: {
    httpStatus: 409, retriable: false, notifySender: true,
    summary: 'Every candidate nick is in use or reserved.',
    userMessage: 'Your IRC nick is taken; choose another one with !nick.',
  },
  IRC_NICK_INVALID: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'The server refused the nick as erroneous (432).',
    userMessage: 'The IRC server refused that nick; choose a shorter one with only letters and digits.',
  },
  IRC_BAD_PASSWORD: {
    httpStatus: 502, retriable: false, notifySender: true,
    summary: 'The server password (PASS) was wrong (464).',
    userMessage: 'The IRC server refused the password; ask the bridge admin to check it.',
  },
  IRC_BANNED: {
    httpStatus: 403, retriable: false, notifySender: true,
    summary: 'The server refused the connection: banned (465).',
    userMessage: 'The IRC network refused your connection; contact its operators.',
  },
  IRC_SASL_FAILED: {
    httpStatus: 502, retriable: false, notifySender: true,
    summary: 'SASL authentication failed or the server does not offer it.',
    userMessage: 'The IRC login failed; check your stored account and password.',
  },
  IRC_JOIN_FAILED: {
    httpStatus: 403, retriable: false, notifySender: true,
    summary: 'The server refused a JOIN (banned, invite-only, full, bad key, no such channel).',
    userMessage: 'The IRC channel refused you; ask its operators for access.',
  },
  IRC_REPLY_TIMEOUT: {
    httpStatus: 504, retriable: true, notifySender: true,
    summary: 'The server did not answer a command (JOIN, NICK, WHOIS) in time.',
    userMessage: 'The IRC server did not answer in time; try again later.',
  },
  IRC_UNSAFE_PARAM: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'A name contained CR/LF/NUL, whitespace, a comma or a leading colon.',
    userMessage: 'That name cannot be used on IRC; remove spaces, commas and line breaks.',
  },
  IRC_SEND_QUEUE_FULL: {
    httpStatus: 503, retriable: true, notifySender: true,
    summary: 'Too many lines are waiting for flood control on this connection.',
    userMessage: 'Too much is waiting to go to IRC; send less at once, e.g. a long paste as a link.',
  },
  IRC_SEND_QUEUE_CLEARED: {
    httpStatus: 503, retriable: true, notifySender: true,
    summary: 'A waiting line was dropped because its connection closed.',
    userMessage: 'The connection to IRC closed before your message went out; send it again.',
  },
  IRC_LINE_BUDGET: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'The IRC framing leaves too little room for text (target or prefix too long).',
    userMessage: 'The IRC line has no room left for text; use a shorter channel or nick.',
  },
  IRC_GHOST_ID_TOO_LONG: {
    httpStatus: 400, retriable: false, notifySender: false,
    summary: 'An IRC nick is too long to become a Matrix user ID.',
    userMessage: 'That IRC nick is too long to appear on Matrix.',
  },
  IRC_ALIAS_TOO_LONG: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'A channel name is too long to become a Matrix room alias.',
    userMessage: 'That channel name is too long for a Matrix room alias; pick a shorter channel.',
  },
  IRC_USER_NOT_ALLOWED: {
    httpStatus: 403, retriable: false, notifySender: true,
    summary: "The network's access lists (irc.networks.*.access) do not let this Matrix user use it.",
    userMessage: "The bridge's admin does not allow your account to use this IRC network.",
  },
  IRC_USER_BANNED: {
    httpStatus: 403, retriable: false, notifySender: true,
    summary: 'A moderation policy list the bridge follows (moderation.policy_rooms) bans this Matrix user or their server.',
    userMessage: 'You are banned from using this bridge by a moderation list; ask its moderators if you think this is a mistake.',
  },
  IRC_CONNECTION_LIMIT: {
    httpStatus: 503, retriable: true, notifySender: true,
    summary: "The network's limit of Matrix users connected at once is reached.",
    userMessage: 'The bridge has as many IRC connections as it may; try again later.',
  },
  IRC_SOURCE_ADDRESS_UNAVAILABLE: {
    httpStatus: 503, retriable: true, notifySender: true,
    summary: "A Matrix user's own IPv6 source address (irc.networks.*.ipv6) could not be used: not bindable on this host, or the prefix is used up.",
    userMessage: 'The bridge cannot connect you to IRC from your own address right now; the bridge admin has been told what to fix.',
  },
  IRC_NOT_DELIVERED: {
    httpStatus: 502, retriable: false, notifySender: true,
    summary: 'The server refused a message (banned, +m, +n, no such nick) after it was sent.',
    userMessage: 'IRC refused your message; check that you may speak in the channel.',
  },
});

export type IrcErrorCode = keyof typeof IRC_ERROR_CODES;

/**
 * The base of every IRC-side error, on the core's BridgeError. Its message is written for the
 * Matrix user (it names the channel, nick or network and says what to do), so it is also the
 * `userMessage` unless the thrower gives another; the code's default sentence is for code that
 * raises the code without a message of its own.
 */
export class IrcError extends BridgeError<IrcErrorCode> {
  constructor(code: IrcErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(code, message, { ...options, userMessage: options.userMessage ?? message });
    this.name = 'IrcError';
  }
}

export function isIrcError(value: unknown): value is IrcError {
  return value instanceof IrcError;
}

/** A JOIN the server refused; `numeric` says why (471 full, 473 invite-only, 474 banned, 475 key, ...). */
export class JoinFailedError extends IrcError {
  constructor(readonly channel: string, readonly numeric: string, readonly reason: string) {
    super('IRC_JOIN_FAILED', `Cannot join ${channel}: ${reason} (${numeric}).`);
    this.name = 'JoinFailedError';
  }
}

/** The reason a user reads when the cause is the bridge's or the homeserver's, not IRC's. */
export const SEE_THE_LOG_REASON = "the bridge ran into a problem; an admin can find the details in the bridge's log";

/**
 * Why something failed, in words for the Matrix user. IRC errors are written for them, and so is
 * a plain string; anything else (the homeserver refusing an upload, a bug) may carry endpoints,
 * statuses and Matrix error codes, which belong in the log only.
 */
export function userReasonOf(cause: unknown): string {
  if (isIrcError(cause)) return cause.userMessage;
  if (typeof cause === 'string') return cause;
  return SEE_THE_LOG_REASON;
}
