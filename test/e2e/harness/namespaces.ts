/**
 * The Matrix names the e2e homeserver reserves for the bridge under test. Scenarios import these
 * instead of spelling prefixes out, so the registration, the bridge config and the assertions
 * cannot drift apart.
 */

export const SERVER_NAME = 'e2e.test';

/** The registration's `id`; also the path segment of the appservice ping endpoint. */
export const APPSERVICE_ID = 'bridgekit-irc-e2e';

/**
 * The bridge bot. Deliberately outside the ghost prefix so no IRC nick can map onto it; Synapse
 * still treats it as exclusive to the appservice.
 */
export const SENDER_LOCALPART = 'ircbridge';

/** Every ghost (IRC user puppet) localpart starts with this; exclusive to the appservice. */
export const GHOST_LOCALPART_PREFIX = '_irc_';

/** Alias localparts the bridge owns, as a Python regex fragment: `#irc_…` and `#_irc_…`. */
export const ALIAS_LOCALPART_PATTERN = '_?irc_';

/** The IRC network's key in the bridge config; it appears in ghost IDs (`@_irc_e2e_alice:e2e.test`). */
export const IRC_NETWORK_ID = 'e2e';

/** Escapes a literal for a Synapse namespace regex (Python `re`, anchored at the start only). */
function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The namespaces block of the registration, in Synapse's wire format. */
export function registrationNamespaces(): {
  users: Array<{ exclusive: boolean; regex: string }>;
  aliases: Array<{ exclusive: boolean; regex: string }>;
  rooms: Array<{ exclusive: boolean; regex: string }>;
} {
  const server = escapeRegex(SERVER_NAME);
  return {
    users: [{ exclusive: true, regex: `@${escapeRegex(GHOST_LOCALPART_PREFIX)}.*:${server}` }],
    aliases: [{ exclusive: true, regex: `#${ALIAS_LOCALPART_PATTERN}.*:${server}` }],
    rooms: [],
  };
}

export function userId(localpart: string): string {
  return `@${localpart}:${SERVER_NAME}`;
}

export function senderUserId(): string {
  return userId(SENDER_LOCALPART);
}
