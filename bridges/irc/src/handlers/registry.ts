/**
 * The handler contract. Each file under handlers/irc-to-matrix/ and handlers/matrix-to-irc/
 * exports one or more handler records; the folder's index.ts lists them; the dispatcher runs them.
 * Adding an event family is adding a file and a line in that list — no central switch to edit.
 *
 * A handler names the parts of the runtime it uses as the type of its `rt` (parts.ts, or a type
 * beside it): `ircHandler` / `matrixHandler` leave an unannotated `rt` as `unknown`, so nothing
 * can be used without being declared, and refuse a handler whose parts the runtime lacks.
 */
import type { BridgeEvent, BridgeEventKind, EventOfKind } from '@bridgekit/appservice';
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
export interface IrcHandler<E extends IrcEventName = IrcEventName, R = BridgeRuntime> {
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
  handle(event: IrcConnectionEvents[E], origin: IrcOrigin, rt: R): void;
}

/**
 * Handles typed Matrix events (`@bridgekit/appservice` events) of the listed kinds. Every
 * matching handler runs, in list order, inside the room's turn; each decides itself whether the
 * event concerns it (a portal, a private chat). An error goes to the core's one error path (the
 * dispatcher only makes it final, see dispatch.ts): logged, dead-lettered, counted, and told to
 * the sender with its user sentence when the error says so or the event was a message.
 */
export interface MatrixHandler<K extends BridgeEventKind = BridgeEventKind, R = BridgeRuntime> {
  name: string;
  kinds: readonly K[];
  handle(event: EventOfKind<K>, rt: R): Promise<void>;
}

/** Compiles only when the assembled runtime has every part a handler declared. */
type PartsTheRuntimeHas<R> = BridgeRuntime extends R ? unknown : { readonly 'the handler needs parts BridgeRuntime lacks': never };

/** A handler of some kinds, as the dispatcher holds it: it is only given events of its kinds. */
export interface AnyMatrixHandler {
  name: string;
  kinds: readonly BridgeEventKind[];
  handle(event: BridgeEvent, rt: BridgeRuntime): Promise<void>;
}

/** Checks `handle`'s event type against `kinds`, and erases it for the handler list. */
export function matrixHandler<K extends BridgeEventKind, R>(handler: MatrixHandler<K, R> & PartsTheRuntimeHas<R>): AnyMatrixHandler {
  return handler as unknown as AnyMatrixHandler;
}

/** Any handler, whatever its event: the element type of handler lists. */
export type AnyIrcHandler = { [E in IrcEventName]: IrcHandler<E> }[IrcEventName];

/** Helps TypeScript check `handle`'s event type against `event`. */
export function ircHandler<E extends IrcEventName, R>(handler: IrcHandler<E, R> & PartsTheRuntimeHas<R>): IrcHandler<E> {
  return handler as IrcHandler<E>;
}
