/**
 * Every error code the IRC building blocks raise, in one table (the same shape as the core's
 * registry: `retriable` says whether the same action can succeed later, `notifySender` whether
 * the Matrix user who caused it should be told). A code is stable: rename nothing, add a row.
 */
export interface IrcErrorInfo {
  retriable: boolean;
  notifySender: boolean;
  summary: string;
}

export const IRC_ERROR_CODES = {
  IRC_CONNECT_FAILED: { retriable: true, notifySender: true, summary: 'The TCP/TLS connection to the IRC server failed (refused, DNS, certificate).' },
  IRC_REGISTRATION_TIMEOUT: { retriable: true, notifySender: true, summary: 'The server did not complete registration (001) in time.' },
  IRC_CONNECTION_CLOSED: { retriable: true, notifySender: true, summary: 'The connection closed before the server answered (ERROR, K-line, ping timeout, quit).' },
  IRC_NOT_CONNECTED: { retriable: true, notifySender: true, summary: 'A command was sent on a connection that is not registered.' },
  IRC_NICK_UNAVAILABLE: { retriable: false, notifySender: true, summary: 'Every candidate nick is in use or reserved.' },
  IRC_NICK_INVALID: { retriable: false, notifySender: true, summary: 'The server refused the nick as erroneous (432).' },
  IRC_BAD_PASSWORD: { retriable: false, notifySender: true, summary: 'The server password (PASS) was wrong (464).' },
  IRC_BANNED: { retriable: false, notifySender: true, summary: 'The server refused the connection: banned (465).' },
  IRC_SASL_FAILED: { retriable: false, notifySender: true, summary: 'SASL authentication failed or the server does not offer it.' },
  IRC_JOIN_FAILED: { retriable: false, notifySender: true, summary: 'The server refused a JOIN (banned, invite-only, full, bad key, no such channel).' },
  IRC_REPLY_TIMEOUT: { retriable: true, notifySender: true, summary: 'The server did not answer a command (JOIN, NICK, WHOIS) in time.' },
  IRC_UNSAFE_PARAM: { retriable: false, notifySender: true, summary: 'A name contained CR/LF/NUL, whitespace, a comma or a leading colon.' },
  IRC_SEND_QUEUE_FULL: { retriable: true, notifySender: true, summary: 'Too many lines are waiting for flood control on this connection.' },
  IRC_SEND_QUEUE_CLEARED: { retriable: true, notifySender: true, summary: 'A waiting line was dropped because its connection closed.' },
  IRC_LINE_BUDGET: { retriable: false, notifySender: true, summary: 'The IRC framing leaves too little room for text (target or prefix too long).' },
  IRC_GHOST_ID_TOO_LONG: { retriable: false, notifySender: false, summary: 'An IRC nick is too long to become a Matrix user ID.' },
  IRC_ALIAS_TOO_LONG: { retriable: false, notifySender: true, summary: 'A channel name is too long to become a Matrix room alias.' },
  IRC_CONNECTION_LIMIT: { retriable: true, notifySender: true, summary: "The network's limit of Matrix users connected at once is reached." },
  IRC_NOT_DELIVERED: { retriable: false, notifySender: true, summary: 'The server refused a message (banned, +m, +n, no such nick) after it was sent.' },
} as const satisfies Record<string, IrcErrorInfo>;

export type IrcErrorCode = keyof typeof IRC_ERROR_CODES;

/** The base of every IRC-side error; the message tells the reader what to do. */
export class IrcError extends Error {
  readonly code: IrcErrorCode;
  readonly retriable: boolean;
  readonly notifySender: boolean;

  constructor(code: IrcErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IrcError';
    this.code = code;
    this.retriable = IRC_ERROR_CODES[code].retriable;
    this.notifySender = IRC_ERROR_CODES[code].notifySender;
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
  if (isIrcError(cause)) return cause.message;
  if (typeof cause === 'string') return cause;
  return SEE_THE_LOG_REASON;
}
