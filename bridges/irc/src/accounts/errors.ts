/**
 * Errors of the per-user account layer (settings, stored passwords, the key file). The message is
 * written for whoever has to act: the homeserver admin for key-file problems, the Matrix user for
 * everything a command can cause. A code is stable: rename nothing, add a row.
 */
export const ACCOUNT_ERROR_CODES = {
  KEY_FILE_UNREADABLE: 'The password key file could not be read or created.',
  KEY_FILE_INSECURE: 'The password key file is readable or writable by group or others.',
  KEY_FILE_INVALID: 'The password key file does not hold 32 base64-encoded bytes.',
  PASSWORD_KEY_CHANGED: 'A stored password was encrypted with a different key file.',
  PASSWORD_TAMPERED: 'A stored password failed authentication (changed, moved to another user, or corrupt).',
  PASSWORD_INVALID: 'A password that cannot be used on IRC (empty, too long, line break or NUL).',
  SETTING_INVALID: 'A setting value (username, auto-command, feature) is not acceptable.',
} as const;

export type AccountErrorCode = keyof typeof ACCOUNT_ERROR_CODES;

export class AccountError extends Error {
  constructor(readonly code: AccountErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AccountError';
  }
}

export function isAccountError(value: unknown): value is AccountError {
  return value instanceof AccountError;
}
