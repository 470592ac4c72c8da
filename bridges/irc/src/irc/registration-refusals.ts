import type { ParsedMessage } from 'irc-framework';
import { IrcError } from './errors';

/** The trailing parameter of a server reply: its human-readable text. */
export function lastParam(message: ParsedMessage): string {
  return message.params[message.params.length - 1] ?? '';
}

/**
 * The server's final "no" while registering (before 001), as the error the caller shows the user:
 * a refused nick, server password, ban or SASL login. Nick collisions are not here: they are
 * retried with the next candidate nick, not refused.
 */
export function registrationRefusal(message: ParsedMessage, host: string, nick: string): IrcError | undefined {
  switch (message.command) {
    case '431':
    case '432':
      return new IrcError('IRC_NICK_INVALID', `${host} refused the nick ${JSON.stringify(nick)}: ${lastParam(message)}. Choose a shorter nick with only letters, digits and []\\\`_^{|}-.`);
    case '464':
      return new IrcError('IRC_BAD_PASSWORD', `${host} refused the server password; check the password configured for this network.`);
    case '465':
      return new IrcError('IRC_BANNED', `${host} refused the connection: ${lastParam(message)}.`);
    case '904':
    case '905':
    case '906':
    case '908':
      return new IrcError('IRC_SASL_FAILED', `SASL login to ${host} failed: ${lastParam(message)}. Check the SASL account and password.`);
    default:
      return undefined;
  }
}
