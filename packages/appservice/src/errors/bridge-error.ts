import { CHECK_THE_LOG, type ErrorCode } from './codes';
import { errorCodeInfo } from './registry';

/** Overrides of an error code's defaults, and details for the log. */
export interface BridgeErrorOptions {
  cause?: unknown;
  /** Overrides the code's default, e.g. the homeserver's own status for a CS API error. */
  httpStatus?: number;
  retriable?: boolean;
  notifySender?: boolean;
  /**
   * The sentence the room reads instead of the code's default, e.g. "#chan is moderated, so
   * your message was not sent." Written for the user: no paths, statuses or error codes.
   */
  userMessage?: string;
  /** Context for logs (never secrets): room, user, endpoint, ... */
  details?: Record<string, unknown>;
}

/**
 * The one error base of the core and of connectors, with two audiences. `message` (and
 * `details`) are for the admin reading the log: everything needed to find the cause.
 * `userMessage` is the short sentence a Matrix user reads in the room. The code is stable and
 * registered: the core's in codes.ts, a connector's with `defineErrorCodes`.
 *
 * `C` is the code union the constructor accepts: the core's by default; a connector extends
 * `BridgeError<ItsCode>` (or writes `new BridgeError<ItsCode>(...)`) for its own.
 */
export class BridgeError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly httpStatus: number;
  readonly retriable: boolean;
  readonly notifySender: boolean;
  readonly userMessage: string;
  readonly details: Record<string, unknown>;

  // NoInfer: the code must belong to `C` (the core's codes unless a subclass says otherwise),
  // so a misspelt code fails to compile instead of inferring a new literal type.
  constructor(code: NoInfer<C>, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info = errorCodeInfo(code);
    this.name = 'BridgeError';
    this.code = code;
    this.httpStatus = options.httpStatus ?? info.httpStatus;
    this.retriable = options.retriable ?? info.retriable;
    this.notifySender = options.notifySender ?? info.notifySender;
    this.userMessage = options.userMessage ?? info.userMessage;
    this.details = options.details ?? {};
  }
}

/** One bad value: where it is (`appservice.port`) and what it should be. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Everything wrong with one config or registration file, collected so the admin fixes them in
 * one go instead of one restart per mistake.
 */
export class ConfigError extends BridgeError {
  readonly source: string;
  readonly problems: readonly ConfigProblem[];

  constructor(source: string, problems: ConfigProblem[], options: { cause?: unknown } = {}) {
    const lines = problems.map((p) => (p.path ? `  - ${p.path}: ${p.message}` : `  - ${p.message}`));
    const noun = problems.length === 1 ? 'problem' : 'problems';
    super('CONFIG_INVALID', `${source} has ${problems.length} ${noun}:\n${lines.join('\n')}`, options);
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

/** Any BridgeError, the core's or a connector's (so its `code` is any registered code). */
export function isBridgeError(value: unknown): value is BridgeError<string> {
  return value instanceof BridgeError;
}

/**
 * Whether trying the same thing again later can succeed: the one answer every layer uses (the
 * ingest retry, the CS API client, connectors). A BridgeError says so itself (its code's default
 * or the thrower's override); so does any error carrying a boolean `retriable` (a BridgeError
 * from another copy of the core). Anything else is an unexpected failure, treated like
 * HANDLER_FAILED: retriable, within the caller's bounded attempts.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof BridgeError) return err.retriable;
  const flag = typeof err === 'object' && err !== null ? (err as { retriable?: unknown }).retriable : undefined;
  return typeof flag === 'boolean' ? flag : errorCodeInfo('HANDLER_FAILED').retriable;
}

/**
 * What the room may read about any thrown value: a BridgeError's `userMessage`, and for anything
 * else (a library's error, a bug) a sentence that sends the user to an admin, never its text.
 */
export function userMessageOf(value: unknown): string {
  return isBridgeError(value) ? value.userMessage : CHECK_THE_LOG;
}

/** A readable one-liner for any thrown value (errors from libraries are not always `Error`s). */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
