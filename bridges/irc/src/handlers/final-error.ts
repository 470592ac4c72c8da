/**
 * What the core gets when a Matrix event's handler failed. Always final (`retriable: false`): a
 * handler may already have done part of its work on IRC (said a message in one of two channels,
 * parted, invited) and IRC can neither take a line back nor recognise a repeat, so running the
 * event again could say things twice. The core dead-letters it, counts it and tells the sender
 * the error's user sentence: IRC errors are written for them; anything else (a homeserver
 * refusal, a bug) gets the core's "see the log" sentence, and only for messages and edits, as
 * before — a failed membership or topic side effect is told by its own handler where it matters.
 */
import { BridgeError, errorMessage, isBridgeError, type BridgeEvent } from '@bridgekit/appservice';
import { isIrcError } from '../irc/errors';
import { UndeliverableError } from './undeliverable';

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker']);

export function asFinalError(error: unknown, event: BridgeEvent, handler: string): BridgeError {
  const isMessage = event.kind === 'message' || event.kind === 'edit' || (event.kind === 'raw' && MESSAGE_TYPES.has(event.raw.type));
  if (isBridgeError(error) && !error.retriable && !isIrcError(error) && (error.notifySender || !isMessage)) return error;
  const details = { handler, ...(error instanceof UndeliverableError ? { cause: error.detail } : {}) };
  if (isIrcError(error)) {
    // Once IRC errors are core errors (the shared registry), their sentence for users is `userMessage`.
    const own: unknown = error;
    const userMessage = isBridgeError(own) ? own.userMessage : error.message;
    return new BridgeError('REMOTE_REJECTED', errorMessage(error), {
      cause: error, retriable: false, notifySender: error.notifySender, userMessage, details: { ...details, ircCode: error.code },
    });
  }
  if (isBridgeError(error)) {
    return new BridgeError(error.code, error.message, {
      cause: error, retriable: false, notifySender: error.notifySender || isMessage, userMessage: error.userMessage, details: { ...error.details, ...details },
    });
  }
  return new BridgeError('HANDLER_FAILED', `${handler} failed: ${errorMessage(error)}`, { cause: error, retriable: false, notifySender: isMessage, details });
}
