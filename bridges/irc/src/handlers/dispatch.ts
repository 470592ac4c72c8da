/**
 * Runs the registered handlers. IRC side: one listener per event kind on every connection,
 * filtering by origin and dropping what the bot hears from our own puppets (echo suppression by
 * an in-memory nick set, no store lookup). Matrix side: every handler for the event's kind, in
 * order; a failure goes to the core's error path (final: see `asFinalError`).
 */
import { IngestorStoppedError, type BridgeEvent, type BridgeEventKind } from '@bridgekit/appservice';
import type { IrcEventName } from '../irc/events';
import type { IrcClient } from '../network/client';
import type { IrcOrigin } from '../network/network';
import type { BridgeRuntime } from '../runtime';
import { asFinalError } from './final-error';
import type { AnyIrcHandler, AnyMatrixHandler } from './registry';

export class IrcDispatcher {
  private readonly byEvent = new Map<IrcEventName, AnyIrcHandler[]>();

  constructor(handlers: readonly AnyIrcHandler[], private readonly rt: BridgeRuntime) {
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
      const { rt } = this;
      rt.log.error('IRC event listener failed', { network: origin.network.id, error: error.message });
      rt.metrics.handlerErrors.inc({ handler: 'irc.listener' });
    });
  }

  private run(handler: AnyIrcHandler, value: unknown, origin: IrcOrigin): void {
    const { rt } = this;
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
  private readonly byKind = new Map<BridgeEventKind, AnyMatrixHandler[]>();

  constructor(handlers: readonly AnyMatrixHandler[], private readonly rt: BridgeRuntime) {
    for (const handler of handlers) {
      for (const kind of handler.kinds) {
        const list = this.byKind.get(kind) ?? [];
        list.push(handler);
        this.byKind.set(kind, list);
      }
    }
  }

  /** The kinds some handler takes: the capabilities the connector offers the core. */
  get kinds(): ReadonlySet<BridgeEventKind> {
    return new Set(this.byKind.keys());
  }

  /**
   * Every handler of the kind runs, even after one failed (they are independent: a failed private
   * chat invite must not stop the invite's channel handling); then the first failure is thrown.
   */
  async dispatch(event: BridgeEvent): Promise<void> {
    let failure: { handler: string; error: unknown } | undefined;
    for (const handler of this.byKind.get(event.kind) ?? []) {
      try {
        await handler.handle(event, this.rt);
      } catch (error) {
        this.rt.metrics.handlerErrors.inc({ handler: handler.name });
        failure ??= { handler: handler.name, error };
      }
    }
    if (!failure) return;
    // Interrupted by the shutdown (a message held for its connection): the core keeps it for the next start.
    if (failure.error instanceof IngestorStoppedError) throw failure.error;
    throw asFinalError(failure.error, event, failure.handler);
  }
}
