/**
 * Telling a Matrix user that their message did not reach IRC. Never a silent drop: every path
 * that gives up on a Matrix message ends here, with a notice in the room that says what happened
 * (and, for causes on the Matrix side, no more than that: the details go to the log).
 */
import { errorMessage } from '@bridgekit/appservice';
import { isIrcError, IrcError, userReasonOf, type IrcErrorCode } from '../irc/errors';

/**
 * A Matrix message that could not be delivered. Two audiences: `message` is what the sender
 * (and everyone in the room) reads; `detail` is the cause in full, for the log only.
 */
export class UndeliverableError extends IrcError {
  /** Why, in words for the sender (see `userReasonOf`). */
  readonly reason: string;
  /** The cause's own text, which may hold homeserver endpoints, statuses and error codes. */
  readonly detail: string;

  /**
   * `action` is what did not happen: the message (default) or the user's join of the channel.
   * `cause` is an IrcError, a sentence for the user (a string), or any other error (logged only).
   */
  constructor(target: string, networkName: string, cause: unknown, action: 'message' | 'join' = 'message') {
    const reason = userReasonOf(cause);
    const what = action === 'join' ? `Your IRC connection could not join ${target} on ${networkName}` : `Your message was not delivered to ${target} on ${networkName}`;
    // The cause's text goes to the log with the error (the core logs `details`), never to the room.
    super(codeOf(cause), `${what}: ${reason}`, { cause, details: { cause: errorMessage(cause) } });
    this.name = 'UndeliverableError';
    this.reason = reason;
    this.detail = errorMessage(cause);
  }
}

function codeOf(cause: unknown): IrcErrorCode {
  return isIrcError(cause) ? cause.code : 'IRC_NOT_DELIVERED';
}

/** The text of an asynchronous refusal (a numeric after the line was sent), by irc-framework error name. */
export function describeServerRefusal(error: string, reason: string | undefined): string {
  const why = reason ? ` (${reason})` : '';
  switch (error) {
    case 'cannot_send_to_channel':
      return `the channel refused it${why}: you may be banned or quieted, the channel may be moderated (+m), or it may not accept messages from outside (+n)`;
    case 'no_such_nick':
      return `there is no one called that on IRC right now${why}`;
    case 'cannot_send_to_user':
      return `the user does not accept your messages${why}`;
    case 'banned_from_channel':
      return `you are banned from the channel${why}`;
    case 'not_on_channel':
      return `your IRC connection is not in the channel${why}`;
    case 'too_many_channels':
      return `your IRC connection is in too many channels${why}`;
    default:
      return `the server refused it: ${error.replace(/_/g, ' ')}${why}`;
  }
}
