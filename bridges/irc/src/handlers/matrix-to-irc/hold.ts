/**
 * Holding a Matrix message while its sender's IRC connection is down (the server restarting, a
 * network outage) instead of dropping it. The message waits in its room's turn, so later
 * messages of the room wait behind it and everything leaves in order; it stays in the core's
 * journal until written, so a bridge restart while it waits loses nothing. The wait ends when
 * the connection is back, at `messages.hold_seconds`, at `messages.max_age_seconds` from the
 * homeserver's timestamp, or when the bridge stops (then the next start tries it again).
 */
import { isRetriable, type MatrixEvent } from '@bridgekit/appservice';
import type { Clock } from '../../irc/clock';
import { isIrcError } from '../../irc/errors';
import type { IrcNetwork } from '../../network/network';

/** Until when (clock ms) a message may wait for its connection; now when it may not wait. */
export function holdDeadline(event: MatrixEvent, network: IrcNetwork, clock: Clock): number {
  const now = clock.now();
  const { holdSeconds, maxAgeSeconds } = network.config.messages;
  let deadline = now + holdSeconds * 1000;
  if (maxAgeSeconds > 0 && typeof event.originServerTs === 'number') deadline = Math.min(deadline, event.originServerTs + maxAgeSeconds * 1000);
  return Math.max(now, deadline);
}

/**
 * Whether the failure means "the connection is not there right now" (connecting refused or
 * timed out, closed, waiting out a reconnect backoff), which holding can outlast. A refusal
 * (banned, wrong password, a full channel, the line budget) would fail the same way again.
 */
export function waitsForConnection(error: unknown): boolean {
  if (!isIrcError(error) || !isRetriable(error)) return false;
  return error.code === 'IRC_NOT_CONNECTED' || error.code === 'IRC_CONNECT_FAILED'
    || error.code === 'IRC_CONNECTION_CLOSED' || error.code === 'IRC_REGISTRATION_TIMEOUT'
    || error.code === 'IRC_SEND_QUEUE_CLEARED';
}

/** One sentence for the sender when the hold ran out. */
export function heldTooLongReason(network: IrcNetwork, heldMs: number): string {
  const minutes = Math.max(1, Math.round(heldMs / 60_000));
  return `the bridge could not reach ${network.config.name} for ${minutes} minute${minutes === 1 ? '' : 's'}; send it again once it is back`;
}
