/**
 * Errors of the per-user account layer (settings, stored passwords, the key file), in the core's
 * one registry. The message is written for whoever has to act: the homeserver admin for
 * key-file problems, the Matrix user for everything a command can cause. A code is stable:
 * rename nothing, add a row.
 */
import { BridgeError, CHECK_THE_LOG, defineErrorCodes, type BridgeErrorOptions } from '@bridgekit/appservice';

const STORE_AGAIN = 'Your stored IRC password cannot be used; store it again with !storepass.';

export const ACCOUNT_ERROR_CODES = defineErrorCodes({
  KEY_FILE_UNREADABLE: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The password key file could not be read or created.', userMessage: CHECK_THE_LOG,
  },
  KEY_FILE_INSECURE: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The password key file is readable or writable by group or others.', userMessage: CHECK_THE_LOG,
  },
  KEY_FILE_INVALID: {
    httpStatus: 500, retriable: false, notifySender: false,
    summary: 'The password key file does not hold 32 base64-encoded bytes.', userMessage: CHECK_THE_LOG,
  },
  PASSWORD_KEY_CHANGED: {
    httpStatus: 500, retriable: false, notifySender: true,
    summary: 'A stored password was encrypted with a different key file.', userMessage: STORE_AGAIN,
  },
  PASSWORD_TAMPERED: {
    httpStatus: 500, retriable: false, notifySender: true,
    summary: 'A stored password failed authentication (changed, moved to another user, or corrupt).', userMessage: STORE_AGAIN,
  },
  PASSWORD_INVALID: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'A password that cannot be used on IRC (empty, too long, line break or NUL).',
    userMessage: 'That password cannot be used on IRC; use one line of at most a few hundred characters.',
  },
  SETTING_INVALID: {
    httpStatus: 400, retriable: false, notifySender: true,
    summary: 'A setting value (username, auto-command, feature) is not acceptable.',
    userMessage: 'That setting is not valid; say !help for the accepted values.',
  },
});

export type AccountErrorCode = keyof typeof ACCOUNT_ERROR_CODES;

/** Key-file problems are the homeserver admin's: their messages name paths, not for the room. */
const ADMIN_ONLY = new Set<AccountErrorCode>(['KEY_FILE_UNREADABLE', 'KEY_FILE_INSECURE', 'KEY_FILE_INVALID']);

export class AccountError extends BridgeError<AccountErrorCode> {
  constructor(code: AccountErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(code, message, { ...options, userMessage: options.userMessage ?? (ADMIN_ONLY.has(code) ? undefined : message) });
    this.name = 'AccountError';
  }
}

export function isAccountError(value: unknown): value is AccountError {
  return value instanceof AccountError;
}
