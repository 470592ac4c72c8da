/**
 * The one place where the homeserver's snake_case events become the core's camelCase types.
 * Every check names the offending field, so a 400 tells the homeserver admin exactly what was wrong.
 */
import type { EphemeralEvent, MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId, type RoomId } from '../ids';
import { MAX_EVENT_NESTING, nestsDeeperThan } from './nesting';

/** A body that is JSON but not the shape the spec describes. Answered with 400 `M_BAD_JSON`. */
export class BadJsonError extends Error {
  override readonly name = 'BadJsonError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export interface Transaction {
  events: MatrixEvent[];
  ephemeral: EphemeralEvent[];
  /**
   * Events that were not of the spec's shape, with the reason. They are skipped rather than
   * failing the whole transaction: Synapse resends a refused transaction forever, so one bad
   * event would otherwise stop all bridging.
   */
  skipped: BadJsonError[];
}

/** Key of `ephemeral` before MSC2409 was merged into the spec (v1.13); Synapse may still send it. */
const UNSTABLE_EPHEMERAL = 'de.sorunome.msc2409.ephemeral';

/** Throws BadJsonError when the transaction itself is malformed; skips (and reports) malformed events. */
export function parseTransaction(body: unknown): Transaction {
  const txn = object(body, 'body');
  const skipped: BadJsonError[] = [];
  const events = eachValid(array(txn.events, 'events'), 'events', toMatrixEvent, skipped);
  const ephemeralKey = txn.ephemeral !== undefined ? 'ephemeral' : UNSTABLE_EPHEMERAL;
  const rawEphemeral = txn[ephemeralKey];
  const ephemeral = rawEphemeral === undefined ? [] : eachValid(array(rawEphemeral, ephemeralKey), ephemeralKey, toEphemeralEvent, skipped);
  return { events, ephemeral, skipped };
}

function eachValid<T>(items: unknown[], at: string, convert: (wire: unknown, at: string) => T, skipped: BadJsonError[]): T[] {
  const out: T[] = [];
  items.forEach((item, i) => {
    try {
      out.push(convert(item, `${at}[${i}]`));
    } catch (err) {
      if (!(err instanceof BadJsonError)) throw err;
      skipped.push(err);
    }
  });
  return out;
}

export function toMatrixEvent(wire: unknown, at: string): MatrixEvent {
  const e = storable(object(wire, at), at);
  const content = object(e.content, `${at}.content`);
  const event: MatrixEvent = {
    eventId: id(asEventId, e.event_id, `${at}.event_id`),
    roomId: id(asRoomId, e.room_id, `${at}.room_id`),
    sender: id(asUserId, e.sender, `${at}.sender`),
    type: string(e.type, `${at}.type`),
    content,
    originServerTs: number(e.origin_server_ts, `${at}.origin_server_ts`),
  };
  if (e.state_key !== undefined) event.stateKey = string(e.state_key, `${at}.state_key`);
  if (e.unsigned !== undefined) event.unsigned = object(e.unsigned, `${at}.unsigned`);
  // Room version 11 moved `redacts` into content; homeservers may send either or both.
  const redacts = e.redacts ?? (event.type === 'm.room.redaction' ? content.redacts : undefined);
  if (redacts !== undefined) event.redacts = id(asEventId, redacts, e.redacts !== undefined ? `${at}.redacts` : `${at}.content.redacts`);
  return event;
}

export function toEphemeralEvent(wire: unknown, at: string): EphemeralEvent {
  const e = storable(object(wire, at), at);
  const event: EphemeralEvent = { type: string(e.type, `${at}.type`), content: object(e.content, `${at}.content`) };
  if (e.room_id !== undefined) event.roomId = id<RoomId>(asRoomId, e.room_id, `${at}.room_id`);
  return event;
}

/** An event is persisted before it is handled: one the store cannot write is malformed here. */
function storable(event: Record<string, unknown>, at: string): Record<string, unknown> {
  if (nestsDeeperThan(event, MAX_EVENT_NESTING)) {
    throw new BadJsonError(at, `nests objects or arrays deeper than ${MAX_EVENT_NESTING} levels, more than the bridge can store`);
  }
  return event;
}

function object(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadJsonError(at, value === undefined ? 'missing (expected an object)' : `expected an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new BadJsonError(at, value === undefined ? 'missing (expected an array)' : `expected an array, got ${kindOf(value)}`);
  }
  return value;
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') {
    throw new BadJsonError(at, value === undefined ? 'missing (expected a string)' : `expected a string, got ${kindOf(value)}`);
  }
  return value;
}

function number(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new BadJsonError(at, value === undefined ? 'missing (expected a number)' : `expected a number, got ${kindOf(value)}`);
  }
  return value;
}

function id<T>(parse: (value: string) => T, value: unknown, at: string): T {
  const text = string(value, at);
  try {
    return parse(text);
  } catch (err) {
    throw new BadJsonError(at, (err as Error).message);
  }
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
