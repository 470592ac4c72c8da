/**
 * Which of a connector's handlers a typed event goes to. Pure: the Bridge runs the answer, so
 * the rules (documented on `Connector`) are table-tested here without a homeserver.
 */
import type { Connector } from '../connector';
import type { BridgeEvent, BridgeEventKind } from '../events';
import type { EventId } from '../ids';

/** The kinds a user expects to have an effect: without a capability, the core says it has none. */
export type UnsupportedKind = 'message' | 'edit' | 'reaction' | 'redaction' | 'encryption';

export type Route =
  /** Run the connector's capability for the event's kind. */
  | { to: 'capability'; run: () => Promise<void> }
  /** Hand the raw event to `onMatrixEvent`. */
  | { to: 'fallback'; run: () => Promise<void> }
  /** Tell the sender (bounded) that this kind is not bridged. */
  | { to: 'unsupported'; kind: UnsupportedKind }
  | { to: 'ignore' };

const CAPABILITIES = {
  message: 'onMessage',
  edit: 'onEdit',
  redaction: 'onRedaction',
  reaction: 'onReaction',
  membership: 'onMembership',
  roomState: 'onRoomState',
  tombstone: 'onTombstone',
  encryption: 'onEncryption',
} as const satisfies Record<Exclude<BridgeEventKind, 'raw'>, keyof Connector>;

type CapabilityName = (typeof CAPABILITIES)[keyof typeof CAPABILITIES];
const CAPABILITY_NAMES = Object.values(CAPABILITIES) as CapabilityName[];

/** True when the connector implements at least one typed handler (else it gets every event raw). */
export function usesCapabilities(connector: Connector): boolean {
  return CAPABILITY_NAMES.some((name) => typeof connector[name] === 'function');
}

/** The capabilities a connector has, for the start-up log. */
export function capabilitiesOf(connector: Connector): CapabilityName[] {
  return CAPABILITY_NAMES.filter((name) => typeof connector[name] === 'function');
}

/**
 * `wasBridged`: whether the bridge carried an event to the network (a redaction of anything else
 * needs no answer).
 */
export function routeEvent(connector: Connector, event: BridgeEvent, wasBridged: (eventId: EventId) => boolean): Route {
  const fallback = connector.onMatrixEvent;
  const toFallback: Route = fallback ? { to: 'fallback', run: () => fallback.call(connector, event.raw) } : { to: 'ignore' };
  if (event.kind === 'raw' || !usesCapabilities(connector)) return toFallback;
  const capability = capabilityFor(connector, event);
  if (capability) return { to: 'capability', run: capability };
  switch (event.kind) {
    case 'message':
    case 'edit':
    case 'reaction':
    case 'encryption':
      return { to: 'unsupported', kind: event.kind };
    case 'redaction':
      return wasBridged(event.redacts) ? { to: 'unsupported', kind: 'redaction' } : toFallback;
    default:
      return toFallback;
  }
}

/** The bound call of the event's capability, when the connector has it. */
function capabilityFor(connector: Connector, event: Exclude<BridgeEvent, { kind: 'raw' }>): (() => Promise<void>) | undefined {
  // One case per kind keeps the event's type and the handler's parameter matched for the compiler.
  switch (event.kind) {
    case 'message': return connector.onMessage && (() => connector.onMessage!(event));
    case 'edit': return connector.onEdit && (() => connector.onEdit!(event));
    case 'redaction': return connector.onRedaction && (() => connector.onRedaction!(event));
    case 'reaction': return connector.onReaction && (() => connector.onReaction!(event));
    case 'membership': return connector.onMembership && (() => connector.onMembership!(event));
    case 'roomState': return connector.onRoomState && (() => connector.onRoomState!(event));
    case 'tombstone': return connector.onTombstone && (() => connector.onTombstone!(event));
    case 'encryption': return connector.onEncryption && (() => connector.onEncryption!(event));
  }
}
