/**
 * Branded Matrix identifiers. A plain string cannot be passed where a `UserId` is expected,
 * so a room ID can never be mixed up with a user ID at a call site. Parse at the boundary
 * (HTTP, config, store) with the `as*` functions; they throw on malformed input.
 */
export type UserId = string & { readonly __brand: 'UserId' };
/** A room ID, `!opaque:server` (room version 12 and later: `!opaque`). */
export type RoomId = string & { readonly __brand: 'RoomId' };
/** An event ID, `$opaque`. */
export type EventId = string & { readonly __brand: 'EventId' };
/** A room alias, `#localpart:server`. */
export type RoomAlias = string & { readonly __brand: 'RoomAlias' };

const USER_ID = /^@[^:\s]+:[^\s]+$/;
const ROOM_ID = /^![^:\s]+(:[^\s]+)?$/; // room versions 12+ drop the server part
const EVENT_ID = /^\$[^\s]+$/;
const ROOM_ALIAS = /^#[^:\s]+:[^\s]+$/;

function brand<T extends string>(pattern: RegExp, kind: string) {
  return (value: string): T => {
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new TypeError(`Not a valid Matrix ${kind}: ${JSON.stringify(value)}`);
    }
    return value as T;
  };
}

/** Parses a user ID; throws a TypeError on anything else. */
export const asUserId = brand<UserId>(USER_ID, 'user ID (@localpart:server)');
/** Parses a room ID; throws a TypeError on anything else. */
export const asRoomId = brand<RoomId>(ROOM_ID, 'room ID (!opaque:server)');
/** Parses an event ID; throws a TypeError on anything else. */
export const asEventId = brand<EventId>(EVENT_ID, 'event ID ($opaque)');
/** Parses a room alias; throws a TypeError on anything else. */
export const asRoomAlias = brand<RoomAlias>(ROOM_ALIAS, 'room alias (#localpart:server)');

/** Is this a well-formed user ID? */
export const isUserId = (v: unknown): v is UserId => typeof v === 'string' && USER_ID.test(v);
/** Is this a well-formed room ID? */
export const isRoomId = (v: unknown): v is RoomId => typeof v === 'string' && ROOM_ID.test(v);

/** The localpart of a user ID or alias: `@alice:hs` → `alice`. */
export function localpartOf(id: UserId | RoomAlias): string {
  return id.slice(1, id.indexOf(':'));
}

/** The server name of a user ID or alias: `@alice:hs:8448` → `hs:8448`. */
export function serverNameOf(id: UserId | RoomAlias): string {
  return id.slice(id.indexOf(':') + 1);
}
