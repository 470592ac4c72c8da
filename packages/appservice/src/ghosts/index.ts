export { createGhosts, profileHash } from './ghosts';
export type { Ghosts, GhostsOptions } from './ghosts';
export { createGhostUserIds } from './user-ids';
export type { GhostIdentity, GhostUserIdGrammar, GhostUserIdOptions } from './user-ids';
export { escapeLocalpart, unescapeLocalpart, buildUserId, isValidLocalpart, InvalidUserIdError, MAX_USER_ID_BYTES } from './localpart';
export { ghostPrefixFrom, prefixOfNamespace } from './prefix';
