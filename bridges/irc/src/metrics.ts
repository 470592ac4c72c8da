/**
 * The IRC bridge's own metrics, registered on the bridge's registry (next to the core's).
 * Labels are bounded: network IDs come from the config, codes from the error registry.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface IrcMetrics {
  /** Messages bridged, by direction (`irc_to_matrix` | `matrix_to_irc`) and network. */
  messages: Counter<'direction' | 'network'>;
  /** Matrix messages that could not be delivered to IRC (the sender got a notice), by error code. */
  undeliverable: Counter<'network' | 'code'>;
  /** Handler failures, by handler name. */
  handlerErrors: Counter<'handler'>;
  /** IRC connections by network, kind (bot | puppet) and state (connecting | connected | backoff | stopped; idle ones are not counted). */
  connections: Gauge<'network' | 'kind' | 'state'>;
  /** Reconnects scheduled after an unplanned close or failed attempt. */
  reconnects: Counter<'network' | 'kind'>;
  /** IRC lines (and ghost joins) not sent into a room because Matrix users banned the ghost there. */
  bannedGhostDrops: Counter<'network'>;
  /** IRC connections that did not close cleanly when the bridge stopped, by network and kind (bot | puppet). */
  shutdownFailures: Counter<'network' | 'kind'>;
  /** Channels given no portal, by network and when: `isupport` (the name breaks the server's rules) or `join` (the server refused the bot's JOIN). */
  channelsRefused: Counter<'network' | 'stage'>;
  /** Matrix messages not sent to IRC because they were older than `messages.max_age_seconds` (the sender was told). */
  staleMessages: Counter<'network'>;
  /** Ident (RFC 1413) queries the bridge's identd answered, by result: `user`, `no_user`, `invalid`. */
  identQueries: Counter<'result'>;
  /** What was refused to Matrix users a moderation policy list bans: message | join | connect | private_chat | quit (an open connection closed). */
  policyRefusals: Counter<'action'>;
}

export function createIrcMetrics(registry: Registry): IrcMetrics {
  const registers = [registry];
  return {
    messages: new Counter({ name: 'bridgekit_irc_messages_total', help: 'Messages bridged, by direction and network', labelNames: ['direction', 'network'], registers }),
    undeliverable: new Counter({ name: 'bridgekit_irc_undeliverable_total', help: 'Matrix messages not delivered to IRC (the sender was told)', labelNames: ['network', 'code'], registers }),
    handlerErrors: new Counter({ name: 'bridgekit_irc_handler_errors_total', help: 'Event handler failures, by handler', labelNames: ['handler'], registers }),
    connections: new Gauge({ name: 'bridgekit_irc_connections', help: 'IRC connections by network, kind and state', labelNames: ['network', 'kind', 'state'], registers }),
    reconnects: new Counter({ name: 'bridgekit_irc_reconnects_total', help: 'Reconnects scheduled after a drop or a failed attempt', labelNames: ['network', 'kind'], registers }),
    shutdownFailures: new Counter({ name: 'bridgekit_irc_shutdown_failures_total', help: 'IRC connections that did not close cleanly at shutdown, by network and kind', labelNames: ['network', 'kind'], registers }),
    channelsRefused: new Counter({ name: 'bridgekit_irc_channels_refused_total', help: 'Channel names the IRC server does not accept: refused before a portal was made, or on the bot\'s JOIN', labelNames: ['network', 'stage'], registers }),
    staleMessages: new Counter({ name: 'bridgekit_irc_stale_messages_total', help: 'Matrix messages not sent to IRC because they arrived older than messages.max_age_seconds (the sender was told)', labelNames: ['network'], registers }),
    identQueries: new Counter({ name: 'bridgekit_irc_ident_queries_total', help: 'Ident (RFC 1413) queries answered by the bridge\'s identd, by result (user, no_user, invalid)', labelNames: ['result'], registers }),
    policyRefusals: new Counter({ name: 'bridgekit_irc_policy_refusals_total', help: 'Things refused to Matrix users banned by a moderation policy list, by action (message, join, connect, private_chat, quit)', labelNames: ['action'], registers }),
    bannedGhostDrops: new Counter({ name: 'bridgekit_irc_banned_ghost_dropped_total', help: 'IRC lines and ghost joins not sent into a room because Matrix users banned the ghost there', labelNames: ['network'], registers }),
  };
}
