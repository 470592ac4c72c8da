/**
 * What the fake homeserver remembers: registered users, profiles, rooms with their members and
 * state, aliases. Every change that Synapse would turn into an event returns that event, so the
 * server can push it to the bridge (the echo of the bridge's own actions included).
 */
import type { WireEvent } from './pusher';

export interface Member {
  membership: string;
  displayname?: string;
}

export interface Room {
  id: string;
  members: Map<string, Member>;
  /** `type\0stateKey` → content. */
  state: Map<string, Record<string, unknown>>;
  /** `type\0stateKey` → the event that set it (for GET /state, /members). */
  stateEvents: Map<string, WireEvent>;
}

export class MatrixModel {
  readonly registered = new Set<string>();
  readonly profiles = new Map<string, { displayname?: string; avatar_url?: string }>();
  readonly rooms = new Map<string, Room>();
  readonly aliases = new Map<string, string>();
  private eventCounter = 0;
  private roomCounter = 0;

  constructor(readonly domain: string) {}

  /** Rooms spring into existence when first named (static rooms of the bench config). */
  room(roomId: string): Room {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = { id: roomId, members: new Map(), state: new Map(), stateEvents: new Map() };
      this.rooms.set(roomId, room);
    }
    return room;
  }

  newRoomId(): string {
    return `!r${++this.roomCounter}:${this.domain}`;
  }

  event(roomId: string, sender: string, type: string, content: Record<string, unknown>, stateKey?: string, unsigned?: Record<string, unknown>): WireEvent {
    const event: WireEvent = { event_id: `$bench${++this.eventCounter}`, room_id: roomId, sender, type, content, origin_server_ts: Date.now() };
    if (stateKey !== undefined) event.state_key = stateKey;
    if (unsigned) event.unsigned = unsigned;
    return event;
  }

  /** A membership change as Synapse records it: a state event with the previous content in `unsigned`. */
  setMembership(roomId: string, sender: string, target: string, membership: string, displayname?: string): WireEvent {
    const room = this.room(roomId);
    const previous = room.members.get(target);
    const name = displayname ?? previous?.displayname ?? this.profiles.get(target)?.displayname;
    const member: Member = { membership, ...(name !== undefined ? { displayname: name } : {}) };
    room.members.set(target, member);
    const content: Record<string, unknown> = { ...member };
    room.state.set(`m.room.member\u0000${target}`, content);
    const event = this.event(roomId, sender, 'm.room.member', content, target, previous ? { prev_content: { ...previous } } : undefined);
    room.stateEvents.set(`m.room.member\u0000${target}`, event);
    return event;
  }

  setState(roomId: string, sender: string, type: string, stateKey: string, content: Record<string, unknown>): WireEvent {
    const room = this.room(roomId);
    room.state.set(`${type}\u0000${stateKey}`, content);
    const event = this.event(roomId, sender, type, content, stateKey);
    room.stateEvents.set(`${type}\u0000${stateKey}`, event);
    return event;
  }

  getState(roomId: string, type: string, stateKey: string): Record<string, unknown> | undefined {
    return this.rooms.get(roomId)?.state.get(`${type}\u0000${stateKey}`);
  }

  isJoined(roomId: string, userId: string): boolean {
    return this.rooms.get(roomId)?.members.get(userId)?.membership === 'join';
  }

  /** A display name change: Synapse sends a fresh member event into every room the user is in. */
  setDisplayName(userId: string, displayname: string): WireEvent[] {
    this.profiles.set(userId, { ...this.profiles.get(userId), displayname });
    const events: WireEvent[] = [];
    for (const room of this.rooms.values()) {
      if (room.members.get(userId)?.membership === 'join') events.push(this.setMembership(room.id, userId, userId, 'join', displayname));
    }
    return events;
  }

  /** Rooms the user is joined to (GET /joined_rooms). */
  joinedRooms(userId: string): string[] {
    return [...this.rooms.values()].filter((room) => room.members.get(userId)?.membership === 'join').map((room) => room.id);
  }

  /** The room's current state events (GET /rooms/{room}/state), member events only with `membersOnly`. */
  stateOf(roomId: string, membersOnly = false): WireEvent[] {
    const events = [...(this.rooms.get(roomId)?.stateEvents.values() ?? [])];
    return membersOnly ? events.filter((e) => e.type === 'm.room.member') : events;
  }

  joinedMembers(roomId: string): Record<string, { display_name?: string }> {
    const joined: Record<string, { display_name?: string }> = {};
    for (const [userId, m] of this.rooms.get(roomId)?.members ?? []) {
      if (m.membership === 'join') joined[userId] = m.displayname !== undefined ? { display_name: m.displayname } : {};
    }
    return joined;
  }
}
