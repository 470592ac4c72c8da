/**
 * Typed views over what the bridge did to the homeserver: the raw requests, and the events
 * they made as the room now holds them (a retried send with the same transaction ID is one event).
 */
import type { EventId, RoomId, UserId } from '../ids';
import type { FakeHomeserver, RecordedRequest } from './homeserver/server';

/** An event the bridge put into a room. */
export interface SentEvent {
  eventId: EventId;
  roomId: RoomId;
  /** The user the bridge acted as. */
  sender: UserId;
  type: string;
  content: Record<string, unknown>;
  /** Set for state events. */
  stateKey?: string;
  /** Set for redactions: the event redacted. */
  redacts?: EventId;
  /** The transaction ID the bridge sent with (not for state events). */
  txnId?: string;
}

/** A membership change the bridge made: a join or leave of its own user, or an invite/kick/ban/unban of another. */
export interface SentMembership {
  roomId: RoomId;
  /** The user the bridge acted as. */
  by: UserId;
  action: 'join' | 'leave' | 'invite' | 'kick' | 'ban' | 'unban';
  /** Whose membership changed. */
  userId: UserId;
  reason?: string;
}

const EVENT_ENDPOINTS = new Set(['send', 'state', 'redact']);

/** What the bridge sent to the homeserver; see `TestBridge.sent`. */
export class SentLog {
  constructor(private readonly homeserver: FakeHomeserver) {}

  /** Every request the bridge made, in order, including refused and faulted ones. */
  get requests(): readonly RecordedRequest[] {
    return this.homeserver.requests;
  }

  /** Requests to one endpoint (`send`, `state`, `register`, `profile`, `join`, `createRoom`, …). */
  to(endpoint: string): RecordedRequest[] {
    return this.homeserver.requests.filter((r) => r.endpoint === endpoint);
  }

  /** Events the bridge made (messages, other events, state, redactions), optionally in one room; each once, whatever its retries. */
  events(roomId?: RoomId): SentEvent[] {
    const seen = new Set<string>();
    const out: SentEvent[] = [];
    for (const request of this.homeserver.requests) {
      const eventId = request.response?.event_id;
      // A request whose answer was lost (a `lostResponse` fault) still made its event.
      const made = request.status === 200 || (request.fault !== undefined && 'lostResponse' in request.fault);
      if (!EVENT_ENDPOINTS.has(request.endpoint) || !made || typeof eventId !== 'string' || seen.has(eventId)) continue;
      const room = this.homeserver.model.rooms.get(request.params[0] as RoomId);
      const event = room && (!roomId || room.roomId === roomId) ? room.find(eventId as EventId) : undefined;
      if (!room || !event) continue;
      seen.add(eventId);
      out.push({
        eventId: event.event_id, roomId: room.roomId, sender: event.sender, type: event.type, content: event.content,
        ...(event.state_key !== undefined ? { stateKey: event.state_key } : {}),
        ...(event.redacts ? { redacts: event.redacts } : {}),
        ...(request.endpoint !== 'state' ? { txnId: request.params[2] } : {}),
      });
    }
    return out;
  }

  /** `m.room.message` events the bridge sent, optionally in one room. */
  messages(roomId?: RoomId): SentEvent[] {
    return this.events(roomId).filter((e) => e.type === 'm.room.message');
  }

  /** State events the bridge set, optionally filtered by room, type and state key. */
  state(roomId?: RoomId, type?: string, stateKey?: string): SentEvent[] {
    return this.events(roomId).filter((e) => e.stateKey !== undefined && (type === undefined || e.type === type) && (stateKey === undefined || e.stateKey === stateKey));
  }

  /** Redactions the bridge sent. */
  redactions(roomId?: RoomId): SentEvent[] {
    return this.events(roomId).filter((e) => e.type === 'm.room.redaction');
  }

  /** Successful membership changes the bridge made, optionally in one room. */
  memberships(roomId?: RoomId): SentMembership[] {
    const out: SentMembership[] = [];
    for (const r of this.homeserver.requests) {
      if (r.status !== 200 || !['join', 'leave', 'membership'].includes(r.endpoint)) continue;
      const action = (r.endpoint === 'membership' ? r.path.slice(r.path.lastIndexOf('/') + 1) : r.endpoint) as SentMembership['action'];
      const target = r.endpoint === 'membership' ? (r.body.user_id as UserId) : r.user;
      const room = (r.endpoint === 'join' && r.params[0]!.startsWith('#') ? this.homeserver.model.aliases.get(r.params[0] as never)?.roomId : r.params[0]) as RoomId;
      if (roomId && room !== roomId) continue;
      out.push({ roomId: room, by: r.user, action, userId: target, ...(typeof r.body.reason === 'string' ? { reason: r.body.reason } : {}) });
    }
    return out;
  }

  /** Presence the bridge set for its users, in order. */
  presence(): Array<{ userId: UserId; state: string; statusMsg?: string }> {
    return this.homeserver.requests.filter((r) => r.endpoint === 'presence' && r.status === 200).map((r) => ({
      userId: r.user, state: String(r.body.presence), ...(typeof r.body.status_msg === 'string' ? { statusMsg: r.body.status_msg } : {}),
    }));
  }

  /** Room directory listings the bridge changed successfully, in order. */
  listings(roomId?: RoomId): Array<{ roomId: RoomId; by: UserId; visibility: 'public' | 'private' }> {
    return this.homeserver.requests
      .filter((r) => r.endpoint === 'directoryVisibility' && r.status === 200 && (!roomId || r.params[0] === roomId))
      .map((r) => ({ roomId: r.params[0] as RoomId, by: r.user, visibility: r.body.visibility === 'public' ? 'public' : 'private' }));
  }

  /** Forgets the requests recorded so far (the homeserver's rooms keep their events). */
  clear(): void {
    this.homeserver.requests.length = 0;
  }
}
