import { BridgeError } from '../errors/bridge-error';

/**
 * Errors of the client-server API client, on the core's one error base (stable code,
 * retriable, notifySender). Both name the endpoint *template* (never the token,
 * never a raw URL with user input) so they are safe to log and to show to a bridge admin.
 */

/** What a bridge admin should do about the errcodes an appservice typically meets. */
const HINTS: Record<string, string> = {
  M_UNKNOWN_TOKEN: 'check that as_token in the registration file is the one the homeserver loaded, then restart the homeserver',
  M_MISSING_TOKEN: 'check that as_token is set in the registration file',
  M_EXCLUSIVE: "the user or alias is outside the bridge's namespaces, or another appservice owns it exclusively",
  M_LIMIT_EXCEEDED: 'the homeserver rate-limits the bridge: set rate_limited: false in the registration file',
  M_FORBIDDEN: 'the acting user lacks the permission (not joined, not invited, or power level too low)',
  M_UNKNOWN: 'see the homeserver log for the cause',
};

/**
 * The homeserver answered with an error status (a `{errcode, error}` body when it follows the
 * spec). Code `CSAPI_RATE_LIMITED` (429), `CSAPI_UNAVAILABLE` (5xx, retriable) or
 * `CSAPI_REJECTED` (any other 4xx: the same request would fail again).
 */
export class MatrixError extends BridgeError {
  override readonly name = 'MatrixError';
  constructor(
    /** `M_FORBIDDEN`, `M_NOT_FOUND`, ...; `M_UNKNOWN` when the body had none. */
    readonly errcode: string,
    /** The homeserver's HTTP status (`httpStatus` is what the bridge would answer itself). */
    readonly status: number,
    /** The homeserver's human-readable `error` text. */
    readonly serverMessage: string,
    /** `METHOD /endpoint/{template}` of the failed request. */
    readonly endpoint: string,
    /** From the `Retry-After` header or `retry_after_ms`, when the homeserver gave one. */
    readonly retryAfterMs?: number,
    /** The full error body, for errcode-specific fields (e.g. `soft_logout`). */
    readonly body: Record<string, unknown> = {},
  ) {
    const hint = HINTS[errcode];
    super(
      status === 429 ? 'CSAPI_RATE_LIMITED' : status >= 500 ? 'CSAPI_UNAVAILABLE' : 'CSAPI_REJECTED',
      `${endpoint} failed with ${status} ${errcode}: ${serverMessage || '(no message)'}${hint ? ` — ${hint}` : ''}`,
      { details: { endpoint, status, errcode } },
    );
  }

  is(errcode: string): boolean {
    return this.errcode === errcode;
  }
}

/** How a request failed without an answer from the homeserver. */
export type NetworkFailure = 'unreachable' | 'timeout' | 'bad_response';

/** The homeserver could not be reached, did not answer in time, or answered with something that is not JSON. */
export class NetworkError extends BridgeError {
  override readonly name = 'NetworkError';
  constructor(
    readonly failure: NetworkFailure,
    readonly endpoint: string,
    readonly baseUrl: string,
    cause?: unknown,
  ) {
    const why = failure === 'timeout' ? 'timed out' : failure === 'bad_response' ? 'returned a response that is not valid JSON' : 'could not be reached';
    const detail = cause instanceof Error && failure !== 'timeout' ? ` (${cause.message})` : '';
    super(
      'CSAPI_UNAVAILABLE',
      `${endpoint}: the homeserver at ${baseUrl} ${why}${detail} — check homeserver.url in the config and that the homeserver is running`,
      { cause, details: { endpoint, failure } },
    );
  }
}

/** Is this a `MatrixError`, and when `errcode` is given, one with that errcode? */
export function isMatrixError(err: unknown, errcode?: string): err is MatrixError {
  return err instanceof MatrixError && (errcode === undefined || err.errcode === errcode);
}
