/**
 * Who may use the bridge: `irc.permissions` maps a full user ID, a server name or `*` to a level.
 * The most specific rule wins (user ID, then server name, then `*`); no matching rule means
 * `none`. Server names compare case-insensitively, as DNS names do.
 */
import { serverNameOf, type UserId } from '@bridgekit/appservice';

export type PermissionLevel = 'none' | 'user' | 'admin';

export type PermissionRules = Readonly<Record<string, PermissionLevel>>;

const RANK: Record<PermissionLevel, number> = { none: 0, user: 1, admin: 2 };

export function permissionLevel(userId: UserId, rules: PermissionRules): PermissionLevel {
  const exact = rules[userId];
  if (exact !== undefined) return exact;
  const server = serverNameOf(userId).toLowerCase();
  for (const [key, level] of Object.entries(rules)) {
    if (!key.startsWith('@') && key !== '*' && key.toLowerCase() === server) return level;
  }
  return rules['*'] ?? 'none';
}

export function hasLevel(level: PermissionLevel, required: PermissionLevel): boolean {
  return RANK[level] >= RANK[required];
}

/**
 * Problems with a rules table, as `{ path, message }` for the config validator: keys must be a
 * user ID, a server name or `*`; values a level.
 */
export function checkPermissionRules(rules: Record<string, unknown>, path = 'irc.permissions'): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const [key, level] of Object.entries(rules)) {
    const where = `${path}["${key}"]`;
    if (!(key === '*' || /^@[^:\s]+:[^\s]+$/.test(key) || /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(key))) {
      problems.push({ path: where, message: 'must be a user ID (@alice:example.org), a server name (example.org) or "*"' });
    }
    if (level !== 'none' && level !== 'user' && level !== 'admin') {
      problems.push({ path: where, message: `must be "none", "user" or "admin", not ${JSON.stringify(level)}` });
    }
  }
  return problems;
}
