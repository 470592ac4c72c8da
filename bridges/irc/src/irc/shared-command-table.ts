/**
 * irc-framework gives every Client its own table of about 250 command handlers (an array used
 * as a dictionary, plus one closure per generic numeric), although every entry is the same
 * module-level function for all clients: each handler gets the client's command handler as an
 * argument and keeps no state of its own. A puppet that only sits in channels paid ~8 KiB of
 * heap for its copy. The first client's table is shared with all later ones instead.
 */
import type { Client } from 'irc-framework';

type HandlerTable = Record<string, unknown>;
interface WithCommandHandler {
  command_handler?: { handlers?: HandlerTable };
}

let shared: HandlerTable | undefined;

/** Points `client` at the one shared handler table; call right after `new Client()`. */
export function shareCommandTable(client: Client): void {
  const commands = (client as unknown as WithCommandHandler).command_handler;
  // A future irc-framework without this layout keeps its own table: slower, never wrong.
  if (!commands?.handlers || typeof commands.handlers !== 'object') return;
  shared ??= commands.handlers;
  commands.handlers = shared;
}
