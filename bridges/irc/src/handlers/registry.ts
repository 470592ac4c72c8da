/**
 * The handler contract. Each file under handlers/irc-to-matrix/ and handlers/matrix-to-irc/
 * exports one or more handler records; the folder's index.ts lists them; the dispatcher runs them.
 * Adding an event family is adding a file and a line in that list — no central switch to edit.
 */
import type { MatrixEvent } from '@bridgekit/appservice';
import type { IrcConnectionEvents, IrcEventName } from '../irc/events';
import type { IrcOrigin } from '../network/network';
import type { BridgeRuntime } from '../runtime';

/**
 * Handles one kind of IRC event. `handle` runs synchronously inside the connection's event
 * listener, so it must not block: what IRC said goes through `rt.outbox` (journaled, then
 * delivered in the room's order), other work that touches Matrix through `rt.roomTask(roomId,
 * ...)`. Call them synchronously (before any await), or two lines of one channel could
 * overtake each other.
 */
export interface IrcHandler<E extends IrcEventName = IrcEventName> {
  /** For logs and the handler-error metric, e.g. "irc.message". */
  name: string;
  event: E;
  /** Which connections' events it wants: the bot's (default: it is in every bridged channel), puppets', or both. */
  from?: 'bot' | 'puppet' | 'any';
  /**
   * The bot hears our own puppets too (their messages, and their QUIT/JOIN when they
   * reconnect). Those are dropped before the handler unless this is true.
   */
  includeOwnPuppets?: boolean;
  handle(event: IrcConnectionEvents[E], origin: IrcOrigin, rt: BridgeRuntime): void;
}

/**
 * Handles Matrix events of the listed types. Every matching handler runs, in list order, inside
 * the room's turn; each decides itself whether the event concerns it (a portal, a private chat,
 * the admin room). An error it throws is logged, counted and — when the error says so or the
 * event was a message — told to the sender as a notice; it is not retried.
 */
export interface MatrixHandler {
  name: string;
  types: readonly string[];
  handle(event: MatrixEvent, rt: BridgeRuntime): Promise<void>;
}

/** Any handler, whatever its event: the element type of handler lists. */
export type AnyIrcHandler = { [E in IrcEventName]: IrcHandler<E> }[IrcEventName];

/** Helps TypeScript check `handle`'s event type against `event`. */
export function ircHandler<E extends IrcEventName>(handler: IrcHandler<E>): IrcHandler<E> {
  return handler;
}
