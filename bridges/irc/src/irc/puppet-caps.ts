/**
 * IRCv3 capabilities a puppet does not ask for. irc-framework requests a fixed list of those it
 * knows; two of them, multi-prefix and userhost-in-names, change only NAMES and WHO replies,
 * which a puppet never reads (the bot keeps each channel's members, and line-filter.ts drops a
 * puppet's NAMES). Hidden from irc-framework's CAP handler, they are not requested: on a server
 * offering nothing else a puppet wants (ngIRCd offers only multi-prefix), each connect saves
 * the CAP REQ / ACK round trip. The bot asks for them as before.
 */
import type { Client } from 'irc-framework';

const UNUSED_BY_PUPPETS: ReadonlySet<string> = new Set(['multi-prefix', 'userhost-in-names']);

/** Removes the unused capabilities from the server's CAP LS and CAP NEW lines before irc-framework reads them. */
export function skipCapsUnusedByPuppets(client: Client): void {
  client.use((_c, rawMiddleware) => rawMiddleware.use((_cmd, message, _line, _c2, next) => {
    const { params } = message;
    const sub = params[1]?.toUpperCase();
    if (message.command.toUpperCase() === 'CAP' && (sub === 'LS' || sub === 'NEW') && params.length > 2) {
      const last = params.length - 1;
      params[last] = (params[last] ?? '').split(' ').filter((cap) => !UNUSED_BY_PUPPETS.has(cap.split('=')[0] ?? '')).join(' ');
    }
    next();
  }));
}
