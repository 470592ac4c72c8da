export { createGhosts, profileHash } from './ghosts';
export type { Ghosts, GhostIdentity, GhostsOptions } from './ghosts';
export { escapeLocalpart, unescapeLocalpart, buildUserId, isValidLocalpart, InvalidUserIdError, MAX_USER_ID_BYTES } from './localpart';
export { ghostPrefixFrom, prefixOfNamespace } from './prefix';
