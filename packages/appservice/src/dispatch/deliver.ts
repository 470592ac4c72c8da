/**
 * One Matrix event → the connector: parse it (events/), pick the handler (route.ts), run it, and
 * own what happens around it — the "not bridged" notice for a missing capability, and telling
 * the sender a failed event's `userMessage` once no attempt is left. The Bridge calls it in the
 * room's turn; a connector's tests can call it the same way (see the test kit).
 */
import type { Counter } from 'prom-client';
import type { Connector } from '../connector';
import { errorMessage, isBridgeError, isRetriable, type BridgeError } from '../errors/bridge-error';
import { parseEvent, type MatrixEvent } from '../events';
import type { EventId } from '../ids';
import type { Intent } from '../intent/types';
import type { Logger } from '../log/types';
import { routeEvent } from './route';
import { tellSender } from './tell-sender';
import { UnsupportedNotices } from './unsupported';

/** What a dispatcher needs: the connector, the bot that speaks notices, the log. */
export interface MatrixEventDispatcherDeps {
  connector: Connector;
  /** Speaks notices where the connector names no other speaker (`Connector.noticeSpeaker`). */
  bot: Intent;
  /** Did the bridge carry this event to the network (any message mapping)? Asked for redactions only. */
  wasBridged(eventId: EventId): boolean | Promise<boolean>;
  log: Logger;
  /** `bridgekit_events_unsupported_total`; tests may leave it out. */
  unsupportedCounter?: Counter<'kind' | 'outcome'>;
  /** Default: Date.now. */
  now?: () => number;
  /** How long one "not bridged" notice covers a room and kind; default one hour. */
  unsupportedWindowMs?: number;
}

/** Routes each Matrix event to the connector's capability handler, or answers "unsupported". */
export interface MatrixEventDispatcher {
  /**
   * Hands `event` to the connector. Rethrows a handler's error (for the caller's retry and
   * dead-letter) after telling the sender when this was the last attempt for it:
   * `attemptsLeft` is how many more times the caller would run the event after a retriable failure.
   */
  dispatch(event: MatrixEvent, attemptsLeft: number): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
/** Bounds the notice memory: (room, kind) pairs. */
const UNSUPPORTED_NOTICE_PAIRS = 10_000;

export function createMatrixEventDispatcher(deps: MatrixEventDispatcherDeps): MatrixEventDispatcher {
  const { connector, log } = deps;
  const tell = async (event: MatrixEvent, text: string) => {
    const speaker = (await connector.noticeSpeaker?.(event.roomId)) ?? deps.bot;
    await tellSender(speaker, event, text);
  };
  const unsupported = new UnsupportedNotices({
    tell,
    now: deps.now ?? Date.now,
    windowMs: deps.unsupportedWindowMs ?? HOUR_MS,
    maxRooms: UNSUPPORTED_NOTICE_PAIRS,
    ...(deps.unsupportedCounter ? { counter: deps.unsupportedCounter } : {}),
    onTellFailed: (event, error) => log.warn('Could not tell the sender that their event is not bridged', { eventId: event.eventId, error: errorMessage(error) }),
  });

  /**
   * Everyone in the room reads the notice, so it carries only the error's user sentence; what
   * the admin needs (endpoint, status, errcode, the remote's text) goes to the log.
   */
  const notifySender = async (event: MatrixEvent, err: BridgeError<string>) => {
    log.warn('Telling the sender that their event was not bridged', {
      eventId: event.eventId, roomId: event.roomId, code: err.code, error: err.message, ...err.details,
    });
    try {
      await tell(event, err.userMessage);
    } catch (noticeErr) {
      log.warn('Could not tell the sender that their event failed', { eventId: event.eventId, error: errorMessage(noticeErr) });
    }
  };

  return {
    async dispatch(event, attemptsLeft) {
      const parsed = parseEvent(event);
      // Looked up before routing (routing is synchronous), and only where the answer matters.
      const bridged = parsed.kind === 'redaction' ? await deps.wasBridged(parsed.redacts) : false;
      const route = routeEvent(connector, parsed, () => bridged);
      if (route.to === 'ignore') return;
      if (route.to === 'unsupported') {
        await unsupported.answer(event, route.kind);
        return;
      }
      try {
        await route.run();
      } catch (err) {
        const lastAttempt = !isRetriable(err) || attemptsLeft <= 0;
        if (lastAttempt && isBridgeError(err) && err.notifySender) await notifySender(event, err);
        throw err;
      }
    },
  };
}
