import type { EventId, RoomId, UserId } from '../ids';

/**
 * A room event as the core hands it to a Connector. Wire fields are converted to camelCase once,
 * at the HTTP boundary; `content` stays as the spec defines it (it is the event's own JSON).
 */
export interface MatrixEvent {
  eventId: EventId;
  roomId: RoomId;
  sender: UserId;
  type: string;
  /** Present only on state events (an empty string is a valid state key). */
  stateKey?: string;
  content: Record<string, unknown>;
  originServerTs: number;
  unsigned?: Record<string, unknown>;
  redacts?: EventId;
}

/** An ephemeral event (typing, receipts, presence) pushed when `receive_ephemeral` is on. */
export interface EphemeralEvent {
  type: string;
  roomId?: RoomId;
  content: Record<string, unknown>;
}

/** `m.room.message` content fields the bridges read; everything else stays in `content`. */
export interface MessageContent {
  msgtype: string;
  body: string;
  format?: string;
  formatted_body?: string;
  url?: string;
  info?: Record<string, unknown>;
  'm.relates_to'?: {
    rel_type?: string;
    event_id?: string;
    'm.in_reply_to'?: { event_id: string };
  };
  'm.new_content'?: MessageContent;
  [key: string]: unknown;
}
