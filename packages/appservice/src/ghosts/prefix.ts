/**
 * The ghosts' localpart prefix, read from the registration (the one source of truth): the
 * exclusive user namespace `@_irc_.*:example.org` gives `_irc_`. A connector names the prefix
 * itself only when the namespace is not of that shape (e.g. an alternation); it must still lie
 * inside the namespace, or the homeserver would refuse every ghost.
 */
import { BridgeError } from '../errors/bridge-error';
import type { Registration } from '../registration/types';
import { isValidLocalpart } from './localpart';

/** `[^]`-free literal (regex escapes allowed), then `.*` or `.+`, then an optional `:server`. */
const SHAPE = /^\^?@((?:\\.|[^\\.*+?()[\]{}|^$])+)\.[*+](?::(.+?))?\$?$/;

/** The literal a namespace regex starts with, or undefined when it has no derivable shape. */
export function prefixOfNamespace(regex: string, domain: string): string | undefined {
  const match = SHAPE.exec(regex);
  if (!match) return undefined;
  const prefix = (match[1] as string).replace(/\\(.)/g, '$1');
  const server = match[2]?.replace(/\\(.)/g, '$1');
  if (server !== undefined && server !== domain) return undefined;
  return isValidLocalpart(prefix) ? prefix : undefined;
}

/**
 * @param given the connector's own prefix (`Connector.ghostPrefix`), checked against the namespace.
 * @throws BridgeError GHOST_NAMESPACE_UNDERIVABLE with what to change.
 */
export function ghostPrefixFrom(registration: Registration, domain: string, given: string | undefined, inNamespace: (userId: string) => boolean): string {
  const exclusive = registration.namespaces.users.filter((n) => n.exclusive);
  if (given !== undefined) {
    if (!isValidLocalpart(given) || !inNamespace(`@${given}x:${domain}`)) {
      throw new BridgeError('GHOST_NAMESPACE_UNDERIVABLE',
        `The connector's ghost prefix ${JSON.stringify(given)} is not inside the registration's exclusive user namespace (${exclusive.map((n) => n.regex).join(', ') || 'none'}); make the namespace cover @${given}...:${domain}.`);
    }
    return given;
  }
  const prefixes = [...new Set(exclusive.map((n) => prefixOfNamespace(n.regex, domain)).filter((p): p is string => p !== undefined))];
  if (prefixes.length === 1) return prefixes[0] as string;
  const found = exclusive.map((n) => n.regex).join(', ') || 'none';
  throw new BridgeError('GHOST_NAMESPACE_UNDERIVABLE', prefixes.length === 0
    ? `Cannot tell the ghosts' user ID prefix from the registration's exclusive user namespaces (${found}): write one as "@<prefix>.*:${domain}" (e.g. "@_bridge_.*:${domain}"), or have the connector set ghostPrefix.`
    : `The registration has several exclusive user namespaces (${found}), so the ghosts' prefix is ambiguous: keep one, or have the connector set ghostPrefix.`);
}
