/**
 * What a new irc-framework client carries that the bridge never uses, taken away right after
 * `new Client()` (connection.ts), for the bot and puppets alike:
 *  - its own table of command handlers (shared-command-table.ts);
 *  - the listeners forwarding five of its connection's events to the client: 'debug' and 'raw'
 *    (every line read or written, its arguments copied into new arrays each time),
 *    'reconnecting' (irc-framework's auto-reconnect is off), and 'socket error' and 'raw socket
 *    connected' (SocketTransport emits neither). Nothing in the bridge listens to them on the
 *    client; each forwarder was a listener record and a closure per connection.
 */
import type { Client } from 'irc-framework';
import { shareCommandTable } from './shared-command-table';

const UNUSED_FORWARDS = ['debug', 'raw', 'reconnecting', 'socket error', 'raw socket connected'] as const;

interface WithConnectionEmitter {
  connection?: { removeAllListeners?(event: string): unknown };
}

/** Drops what the bridge does not use from a client just made with `new Client()`. */
export function slimClient(client: Client): void {
  shareCommandTable(client);
  const connection = (client as unknown as WithConnectionEmitter).connection;
  // A future irc-framework without this layout keeps its forwarders: more memory, never wrong.
  if (typeof connection?.removeAllListeners !== 'function') return;
  for (const event of UNUSED_FORWARDS) connection.removeAllListeners(event);
}
