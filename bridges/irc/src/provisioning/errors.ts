/**
 * Every refusal of the provisioning API is a `ProvisioningError`: an HTTP status, a stable
 * errcode and a message for the integration manager's user. Matrix errcodes where one fits;
 * `BK_` codes for what is particular to bridging.
 */
import { HttpError } from '@bridgekit/appservice';

export const PROVISIONING_ERRCODES = {
  M_MISSING_TOKEN: 401,
  M_UNKNOWN_TOKEN: 403,
  M_NOT_JSON: 400,
  M_MISSING_PARAM: 400,
  M_INVALID_PARAM: 400,
  M_NOT_FOUND: 404,
  M_FORBIDDEN: 403,
  M_UNRECOGNIZED: 404,
  M_TOO_LARGE: 413,
  M_UNKNOWN: 500,
  /** The channel is already linked to this room. */
  BK_ALREADY_LINKED: 409,
  /** The room has as many links as `provisioning.max_links_per_room` allows. */
  BK_LINK_LIMIT: 409,
  /** `op_nick` is not an operator of the channel. */
  BK_NOT_CHANNEL_OPERATOR: 403,
  /** The op already has a request waiting for their answer. */
  BK_APPROVAL_PENDING: 409,
  BK_APPROVAL_DENIED: 403,
  BK_APPROVAL_TIMEOUT: 504,
  /** Too many approvals are waiting bridge-wide. */
  BK_TOO_MANY_PENDING: 503,
  /** The bridge bot is not connected to that network. */
  BK_NETWORK_UNAVAILABLE: 503,
  /** Only links made through provisioning can be removed through it. */
  BK_NOT_PROVISIONED: 403,
  /** The link was approved but the bridge could not set it up. */
  BK_LINK_FAILED: 502,
} as const;

export type ProvisioningErrcode = keyof typeof PROVISIONING_ERRCODES;

/** An HttpError: the core's route layer answers its status with `{errcode, error: message}`. */
export class ProvisioningError extends HttpError {
  override readonly name: string = 'ProvisioningError';
  declare readonly errcode: ProvisioningErrcode;

  constructor(errcode: ProvisioningErrcode, message: string, options: { cause?: unknown } = {}) {
    super(PROVISIONING_ERRCODES[errcode], errcode, message);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}
