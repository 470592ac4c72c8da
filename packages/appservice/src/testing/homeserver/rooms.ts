/**
 * The homeserver's room model: timeline, current state, membership and the power-level checks
 * Synapse applies to what a user may send. Deliberately small: one server, no federation, no
 * auth chains — enough that a bridge meets the refusals it would meet on a real homeserver.
 */
import type { EventId, RoomId, UserId } from '../../ids';

/** An event as the homeserver stores it (wire field names, as a client would read it). */
export interface StoredEvent {
  event_id: EventId;
  room_id: RoomId;
  sender: UserId;
  type: string;
  state_key?: string;
  content: Record<string, unknown>;
  origin_server_ts: number;
  redacts?: EventId;
}

/** A user's membership in a room. */
export type Membership = 'join' | 'invite' | 'leave' | 'ban' | 'knock';

/** Thrown by the model; the server turns it into a Matrix error response. */
export class HomeserverRefusal extends Error {
  constructor(readonly status: number, readonly errcode: string, message: string) {
    super(message);
  }
}

export const forbidden = (message: string) => new HomeserverRefusal(403, 'M_FORBIDDEN', message);
export const notFound = (message: string) => new HomeserverRefusal(404, 'M_NOT_FOUND', message);

interface PowerLevels {
  users?: Record<string, number>;
  users_default?: number;
  events?: Record<string, number>;
  events_default?: number;
  state_default?: number;
  invite?: number;
  kick?: number;
  ban?: number;
  redact?: number;
}

/** One room: its timeline, its current state, and membership and power checks. */
export class Room {
  readonly timeline: StoredEvent[] = [];
  private readonly state = new Map<string, StoredEvent>();

  constructor(readonly roomId: RoomId, readonly version: string) {}

  /** The current state event of that type and key. */
  stateEvent(type: string, stateKey = ''): StoredEvent | undefined {
    return this.state.get(`${type}\u0000${stateKey}`);
  }

  /** Every current state event. */
  allState(): StoredEvent[] {
    return [...this.state.values()];
  }

  membership(userId: UserId): Membership {
    const content = this.stateEvent('m.room.member', userId)?.content;
    return (content?.membership as Membership | undefined) ?? 'leave';
  }

  joinedMembers(): UserId[] {
    return this.allState()
      .filter((e) => e.type === 'm.room.member' && e.content.membership === 'join')
      .map((e) => e.state_key as UserId);
  }

  /** Appends to the timeline; a state event also becomes current state. */
  append(event: StoredEvent): StoredEvent {
    this.timeline.push(event);
    if (event.state_key !== undefined) this.state.set(`${event.type}\u0000${event.state_key}`, event);
    return event;
  }

  find(eventId: EventId): StoredEvent | undefined {
    return this.timeline.find((e) => e.event_id === eventId);
  }

  /** Synapse's wording, which bridges match on to repair a stale "joined" cache. */
  requireJoined(userId: UserId): void {
    if (this.membership(userId) !== 'join') throw forbidden(`User ${userId} not in room ${this.roomId}`);
  }

  powerOf(userId: UserId): number {
    // From room version 12 the creators have unlimited power and are not listed.
    const create = this.stateEvent('m.room.create');
    if (Number(this.version) >= 12 && create?.sender === userId) return Number.POSITIVE_INFINITY;
    const pl = this.powerLevels();
    if (!pl) return create?.sender === userId ? 100 : 0;
    return pl.users?.[userId] ?? pl.users_default ?? 0;
  }

  /** Refuses an event its sender lacks the power for, as Synapse's event auth does. */
  requirePowerToSend(userId: UserId, type: string, isState: boolean): void {
    const pl = this.powerLevels() ?? {};
    const needed = pl.events?.[type] ?? (isState ? pl.state_default ?? 50 : pl.events_default ?? 0);
    if (this.powerOf(userId) < needed) {
      throw forbidden(`You don't have permission to post that to the room. user_level (${this.powerOf(userId)}) < send_level (${needed})`);
    }
  }

  /** `action`: invite, kick, ban or redact (of someone else's event). */
  requirePowerFor(userId: UserId, action: 'invite' | 'kick' | 'ban' | 'redact'): void {
    const pl = this.powerLevels() ?? {};
    const needed = action === 'invite' ? pl.invite ?? 0 : pl[action] ?? 50;
    if (this.powerOf(userId) < needed) throw forbidden(`You don't have permission to ${action}. user_level (${this.powerOf(userId)}) < ${action}_level (${needed})`);
  }

  private powerLevels(): PowerLevels | undefined {
    return this.stateEvent('m.room.power_levels')?.content as PowerLevels | undefined;
  }
}
