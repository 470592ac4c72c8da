/**
 * Every error code the core raises, in one table. A code is stable: logs, metrics and the docs
 * refer to it, so rename nothing; add a row instead. `httpStatus` is what the bridge answers when
 * the error ends an HTTP request; `retriable` says whether trying the same thing again later can
 * succeed; `notifySender` says whether the Matrix user whose action failed should be told, and
 * `userMessage` is what that user reads in the room. An error has two audiences: the room gets
 * only `userMessage` (short, no paths, statuses or Matrix error codes); the admin gets the
 * error's full message and details in the log.
 */
export interface ErrorCodeInfo {
  httpStatus: number;
  retriable: boolean;
  notifySender: boolean;
  /** One line for the docs table: when this happens. */
  summary: string;
  /** One sentence for the room, for the user whose action failed: what happened and what to do. */
  userMessage: string;
}

/** What a user reads when the cause is on the bridge's or the homeserver's side. */
export const CHECK_THE_LOG = "The message could not be delivered; an admin can find the details in the bridge's log.";

/** Every error code the core raises, with its HTTP status, whether it is retriable and its message for users. */
export const ERROR_CODES = {
  CONFIG_INVALID: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The config or registration file is missing, unreadable or has invalid values.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_OPEN_FAILED: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The SQLite database could not be opened or created.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_SCHEMA_TOO_NEW: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The database was written by a newer version of the bridge than the one running.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_MIGRATION_FAILED: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'A schema migration failed; the database was left at the last good version.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_BACKUP_FAILED: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The online backup taken before a schema migration (or by the backup command) failed; nothing was migrated.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_NOT_FOUND: {
    httpStatus: 404, retriable: false, notifySender: false,
    summary: 'A store update referred to a row that does not exist.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_NOT_EMPTY: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'migrate-store was pointed at a database that already holds data; it copies only into an empty one.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_LOCKED: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'Another bridge process holds the database; one process per store.',
    userMessage: CHECK_THE_LOG,
  },
  STORE_UNAVAILABLE: {
    httpStatus: 503, retriable: true, notifySender: false,
    summary: 'The database could not persist a write (disk full, locked too long).',
    userMessage: CHECK_THE_LOG,
  },
  AS_UNAUTHORIZED: {
    httpStatus: 401, retriable: false, notifySender: false,
    summary: 'A request to the bridge carried no hs_token.',
    userMessage: CHECK_THE_LOG,
  },
  AS_FORBIDDEN: {
    httpStatus: 403, retriable: false, notifySender: false,
    summary: 'A request to the bridge carried a wrong hs_token.',
    userMessage: CHECK_THE_LOG,
  },
  AS_BAD_REQUEST: {
    httpStatus: 400, retriable: false, notifySender: false,
    summary: 'The homeserver sent a request the bridge cannot parse.',
    userMessage: CHECK_THE_LOG,
  },
  AS_BODY_TOO_LARGE: {
    httpStatus: 413, retriable: false, notifySender: false,
    summary: 'A transaction body was larger than appservice.max_body_bytes.',
    userMessage: 'The message is too large for the bridge.',
  },
  AS_NOT_FOUND: {
    httpStatus: 404, retriable: false, notifySender: false,
    summary: 'The bridge does not know the queried user, alias or third-party entity.',
    userMessage: 'The bridge does not know that user or room.',
  },
  CSAPI_RATE_LIMITED: {
    httpStatus: 429, retriable: true, notifySender: false,
    summary: 'The homeserver rate-limited the bridge (429 / M_LIMIT_EXCEEDED).',
    userMessage: 'The homeserver is busy, so the message could not be delivered; try again in a minute.',
  },
  CSAPI_UNAVAILABLE: {
    httpStatus: 502, retriable: true, notifySender: false,
    summary: 'The homeserver was unreachable, timed out or answered 5xx.',
    userMessage: CHECK_THE_LOG,
  },
  CSAPI_REJECTED: {
    httpStatus: 502, retriable: false, notifySender: true,
    summary: 'The homeserver refused a request with a 4xx other than 429 (e.g. M_FORBIDDEN).',
    userMessage: CHECK_THE_LOG,
  },
  HANDLER_FAILED: {
    httpStatus: 500, retriable: true, notifySender: false,
    summary: 'A connector handler threw; the event is retried, then dead-lettered.',
    userMessage: CHECK_THE_LOG,
  },
  EVENT_UNSUPPORTED: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'The connector cannot bridge this kind of event (no such capability).',
    userMessage: 'This kind of message cannot be bridged.',
  },
  REMOTE_UNAVAILABLE: {
    httpStatus: 502, retriable: true, notifySender: true,
    summary: 'The remote network is unreachable or the user is not connected to it.',
    userMessage: 'The other network cannot be reached right now; try again later.',
  },
  REMOTE_REJECTED: {
    httpStatus: 502, retriable: false, notifySender: true,
    summary: 'The remote network refused the action (banned, no permission, bad name).',
    userMessage: 'The other network refused the message.',
  },
  USER_ID_INVALID: {
    httpStatus: 500, retriable: false, notifySender: true,
    summary: 'A user ID the bridge would make is not valid on Matrix (a character outside the grammar, or longer than 255 bytes).',
    userMessage: 'That user cannot be bridged because their name cannot become a Matrix user ID.',
  },
  GHOST_NAMESPACE_UNDERIVABLE: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: "The registration's exclusive user namespace has no plain prefix the bridge can build ghost IDs from.",
    userMessage: CHECK_THE_LOG,
  },
  PERMISSION_DENIED: {
    httpStatus: 403, retriable: false, notifySender: true,
    summary: 'The Matrix user is not allowed to do this (admin command, provisioning).',
    userMessage: 'You are not allowed to do that.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

/** The name of one of the core's error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;
