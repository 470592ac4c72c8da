// Per-user IRC accounts: settings, feature toggles, encrypted passwords. A deliberate list.
export type { IrcCredentials, PuppetLogin, NetworkAuthMethod, IrcAccountsOptions, OpenIrcAccountsOptions } from './accounts';
export { IrcAccounts, openIrcAccounts, nickServIdentifyLine, checkIrcPassword, checkAccountName } from './accounts';
export { accountMigrations, ACCOUNT_MIGRATION_COUNT, clientCertMigrations } from './migrations';
export type { UserSettings } from './settings';
export { UserSettingsStore, MAX_AUTO_COMMANDS, checkUsername } from './settings';
export type { FeatureSpec, FeatureState } from './features';
export { FeatureToggles, DEFAULT_FEATURES } from './features';
export type { StoredPassword } from './password-store';
export { PasswordStore } from './password-store';
export type { SealedSecret } from './secret-box';
export { SecretBox, secretAad, KEY_BYTES } from './secret-box';
export type { LoadedKey, LoadKeyOptions } from './key-file';
export { loadPasswordKey } from './key-file';
export { sanitizeRawLine, MAX_RAW_LINE_BYTES } from './raw-line';
export type { AccountErrorCode } from './errors';
export { AccountError, isAccountError, ACCOUNT_ERROR_CODES } from './errors';
