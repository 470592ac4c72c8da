/**
 * What the core gets when a Matrix event's handler failed. Always final (`retriable: false`): a
 * handler may already have done part of its work on IRC (said a message in one of two channels,
 * parted, invited) and IRC can neither take a line back nor recognise a repeat, so running the
 * event again could say things twice. The core dead-letters it, counts it and tells the sender
 * the error's `userMessage`: IRC errors are written for them; anything else (a homeserver
 * refusal, a bug) gets its code's sentence — for messages and edits always, as before; a failed
 * membership or topic side effect only when its error asks (its handler tells where it matters).
 */
import { BridgeError, errorMessage, isBridgeError, type BridgeEvent } from '@bridgekit/appservice';

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker']);

export function asFinalError(error: unknown, event: BridgeEvent, handler: string): BridgeError<string> {
  const isMessage = event.kind === 'message' || event.kind === 'edit' || (event.kind === 'raw' && MESSAGE_TYPES.has(event.raw.type));
  if (isBridgeError(error)) {
    if (!error.retriable && (error.notifySender || !isMessage)) return error;
    return new BridgeError<string>(error.code, error.message, {
      cause: error,
      retriable: false,
      notifySender: error.notifySender || isMessage,
      userMessage: error.userMessage,
      httpStatus: error.httpStatus,
      details: { ...error.details, handler },
    });
  }
  return new BridgeError('HANDLER_FAILED', `${handler} failed: ${errorMessage(error)}`, {
    cause: error, retriable: false, notifySender: isMessage, details: { handler },
  });
}
