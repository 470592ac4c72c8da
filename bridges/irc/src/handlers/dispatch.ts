/**
 * Runs the registered handlers. IRC side: one listener per event kind on every connection,
 * filtering by origin and dropping what the bot hears from our own puppets (echo suppression by
 * an in-memory nick set, no store lookup). Matrix side: every handler for the event type, in
 * order, with one error policy — log, count, tell the sender.
 */
import { errorMessage, type MatrixEvent } from '@bridgekit/appservice';
import { isIrcError } from '../irc/errors';
import type { IrcEventName } from '../irc/events';
import type { IrcClient } from '../network/client';
import type { IrcOrigin } from '../network/network';
import type { BridgeRuntime } from '../runtime';
import type { AnyIrcHandler, MatrixHandler } from './registry';
import { UndeliverableError } from './undeliverable';

const MESSAGE_TYPES = new Set(['m.room.message', 'm.sticker']);

export class IrcDispatcher {
  private readonly byEvent = new Map<IrcEventName, AnyIrcHandler[]>();

  constructor(handlers: readonly AnyIrcHandler[], private readonly runtime: () => BridgeRuntime) {
    for (const handler of handlers) {
      const list = this.byEvent.get(handler.event) ?? [];
      list.push(handler);
      this.byEvent.set(handler.event, list);
    }
  }

  /**
   * Subscribes one connection to the event kinds that have a handler for its origin, and only
   * those: most handlers want the bot's events, and a listener per kind on each of hundreds of
   * puppet connections is memory and emit work for nothing.
   */
  attach(client: IrcClient, origin: IrcOrigin): void {
    for (const [event, all] of this.byEvent) {
      const handlers = all.filter((h) => (h.from ?? 'bot') === 'any' || (h.from ?? 'bot') === origin.from);
      if (handlers.length === 0) continue;
      client.on(event, (value) => {
        const own = origin.from === 'bot' && isFromOwnPuppet(value, origin);
        for (const handler of handlers) {
          if (own && !handler.includeOwnPuppets) continue;
          this.run(handler, value, origin);
        }
      });
    }
    client.on('error', (error) => {
      const rt = this.runtime();
      rt.log.error('IRC event listener failed', { network: origin.network.id, error: error.message });
      rt.metrics.handlerErrors.inc({ handler: 'irc.listener' });
    });
  }

  private run(handler: AnyIrcHandler, value: unknown, origin: IrcOrigin): void {
    const rt = this.runtime();
    try {
      (handler.handle as (v: unknown, o: IrcOrigin, r: BridgeRuntime) => void)(value, origin, rt);
    } catch (error) {
      rt.log.error('IRC handler failed', { handler: handler.name, network: origin.network.id, error: (error as Error).message });
      rt.metrics.handlerErrors.inc({ handler: handler.name });
    }
  }
}

function isFromOwnPuppet(value: unknown, origin: IrcOrigin): boolean {
  const nick = (value as { nick?: unknown }).nick;
  return typeof nick === 'string' && origin.network.ownNicks.has(nick);
}

export class MatrixDispatcher {
  private readonly byType = new Map<string, MatrixHandler[]>();

  constructor(handlers: readonly MatrixHandler[], private readonly runtime: () => BridgeRuntime) {
    for (const handler of handlers) {
      for (const type of handler.types) {
        const list = this.byType.get(type) ?? [];
        list.push(handler);
        this.byType.set(type, list);
      }
    }
  }

  async dispatch(event: MatrixEvent): Promise<void> {
    for (const handler of this.byType.get(event.type) ?? []) {
      try {
        await handler.handle(event, this.runtime());
      } catch (error) {
        await this.report(event, handler, error);
      }
    }
  }

  /**
   * Not rethrown on purpose: the core would retry the whole event, and a message already
   * delivered to some targets would be sent twice. The sender is told instead.
   */
  private async report(event: MatrixEvent, handler: MatrixHandler, error: unknown): Promise<void> {
    const rt = this.runtime();
    const expected = isIrcError(error);
    rt.metrics.handlerErrors.inc({ handler: handler.name });
    // The log gets the cause in full; the room below gets only the sentence written for users.
    (expected ? rt.log.warn : rt.log.error).call(rt.log, 'Matrix event not bridged', {
      handler: handler.name, roomId: event.roomId, eventId: event.eventId, error: errorMessage(error),
      ...(error instanceof UndeliverableError ? { cause: error.detail } : {}),
    });
    const notify = expected ? error.notifySender : MESSAGE_TYPES.has(event.type);
    if (!notify || rt.ctx.isBridgeUser(event.sender)) return;
    const text = error instanceof UndeliverableError || expected
      ? (error as Error).message
      : `The bridge could not handle your message because of an internal error (event ${event.eventId}); the bridge admin can find it in the log.`;
    try {
      await rt.tell(event.roomId, event.sender, text);
    } catch (noticeError) {
      rt.log.error('Could not tell the sender that their message was not bridged', {
        roomId: event.roomId, eventId: event.eventId, error: (noticeError as Error).message,
      });
    }
  }
}
