/**
 * What the in-process homeserver knows: users, profiles, rooms, aliases, media and the
 * transaction IDs it has seen. Operations enforce what Synapse enforces for an appservice
 * (registration rules, membership, power levels, idempotent sends) and throw `HomeserverRefusal`
 * with Synapse's errcode where it would refuse.
 */
import { randomBytes } from 'node:crypto';
import type { EventId, RoomAlias, RoomId, UserId } from '../../ids';
import { forbidden, HomeserverRefusal, notFound, Room, type Membership, type StoredEvent } from './rooms';

/** A user's profile as the homeserver stores it (wire field names). */
export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

/** An uploaded file. */
export interface StoredMedia {
  data: Buffer;
  contentType: string;
  filename?: string;
}

/** The `createRoom` request body, as the spec names its fields. */
export interface CreateRoomBody {
  room_alias_name?: string;
  name?: string;
  topic?: string;
  visibility?: 'public' | 'private';
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';
  invite?: string[];
  is_direct?: boolean;
  initial_state?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
  power_level_content_override?: Record<string, unknown>;
  room_version?: string;
}

// Synapse's rule for localparts it registers (historical users may have more).
const VALID_LOCALPART = /^[a-z0-9._=\-/+]+$/;

/** The homeserver's users, rooms, aliases and media; tests read and seed it directly. */
export class HomeserverModel {
  readonly users = new Set<UserId>();
  readonly profiles = new Map<UserId, Profile>();
  readonly rooms = new Map<RoomId, Room>();
  readonly aliases = new Map<RoomAlias, { roomId: RoomId; creator: UserId }>();
  readonly media = new Map<string, StoredMedia>();
  /** Each user's presence as last set (`presence`, `status_msg`). */
  readonly presence = new Map<UserId, { presence: string; status_msg?: string }>();
  /** Rooms published in the room directory. */
  readonly directory = new Set<RoomId>();
  /** `<user> <room> <txnId>` → the event the first request made (a repeat returns it again). */
  private readonly txns = new Map<string, EventId>();
  /** The transaction ID each sent event came with, which only its sender sees (in `unsigned`). */
  private readonly txnOfEvent = new Map<EventId, { userId: UserId; txnId: string }>();
  private counter = 0;

  constructor(
    readonly domain: string,
    /** The room version `createRoom` uses when the request names none. */
    public defaultRoomVersion = '10',
    private readonly now: () => number = Date.now,
  ) {}

  newEventId(): EventId {
    return `$${randomBytes(9).toString('base64url')}${++this.counter}` as EventId;
  }

  register(localpart: string): UserId {
    if (!VALID_LOCALPART.test(localpart)) {
      throw new HomeserverRefusal(400, 'M_INVALID_USERNAME', 'User ID can only contain characters a-z, 0-9, or \'=_-./+\'');
    }
    const userId = `@${localpart}:${this.domain}` as UserId;
    if (this.users.has(userId)) throw new HomeserverRefusal(400, 'M_USER_IN_USE', 'User ID already taken.');
    this.users.add(userId);
    this.profiles.set(userId, { displayname: localpart });
    return userId;
  }

  /** A user the homeserver knows without the bridge registering it (a local Matrix user, the bot). */
  addUser(userId: UserId, profile: Profile = {}): void {
    this.users.add(userId);
    if (!this.profiles.has(userId)) this.profiles.set(userId, profile);
  }

  /** The content of a room's current state event of that type and key (what the bridge or a test set last), or undefined. */
  stateOf<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = ''): T | undefined {
    return this.rooms.get(roomId)?.stateEvent(type, stateKey)?.content as T | undefined;
  }

  room(roomId: RoomId): Room {
    const room = this.rooms.get(roomId);
    if (!room) throw notFound(`Unknown room ${roomId}`);
    return room;
  }

  /** `roomId`: for a room a test pushes into without creating it first; default a fresh ID. */
  createRoom(creator: UserId, body: CreateRoomBody, roomId = `!${randomBytes(9).toString('base64url')}:${this.domain}` as RoomId): RoomId {
    const aliasName = body.room_alias_name;
    const alias = aliasName !== undefined ? (`#${aliasName}:${this.domain}` as RoomAlias) : undefined;
    if (alias && this.aliases.has(alias)) throw new HomeserverRefusal(400, 'M_ROOM_IN_USE', 'Room alias already taken');
    const version = body.room_version ?? this.defaultRoomVersion;
    const room = new Room(roomId, version);
    this.rooms.set(roomId, room);
    const state = (type: string, content: Record<string, unknown>, stateKey = '') => this.append(room, creator, type, content, stateKey);
    state('m.room.create', Number(version) >= 11 ? { room_version: version } : { creator, room_version: version });
    state('m.room.member', { membership: 'join', ...this.memberProfile(creator) }, creator);
    state('m.room.power_levels', {
      users: Number(version) >= 12 ? {} : { [creator]: 100 },
      users_default: 0, events: {}, events_default: 0, state_default: 50, ban: 50, kick: 50, redact: 50, invite: 0,
      ...body.power_level_content_override,
    });
    if (alias) state('m.room.canonical_alias', { alias });
    const isPublic = body.preset === 'public_chat' || (body.preset === undefined && body.visibility === 'public');
    state('m.room.join_rules', { join_rule: isPublic ? 'public' : 'invite' });
    state('m.room.history_visibility', { history_visibility: 'shared' });
    for (const s of body.initial_state ?? []) state(s.type, s.content, s.state_key ?? '');
    if (body.name !== undefined) state('m.room.name', { name: body.name });
    if (body.topic !== undefined) state('m.room.topic', { topic: body.topic });
    if (alias) this.aliases.set(alias, { roomId, creator });
    if (body.visibility === 'public') this.directory.add(roomId);
    for (const invitee of body.invite ?? []) {
      state('m.room.member', { membership: 'invite', ...(body.is_direct ? { is_direct: true } : {}) }, invitee);
    }
    return roomId;
  }

  join(userId: UserId, roomId: RoomId): void {
    if (!this.mayJoin(userId, roomId)) return;
    this.append(this.room(roomId), userId, 'm.room.member', { membership: 'join', ...this.memberProfile(userId) }, userId);
  }

  /** False when the user is in the room already; throws Synapse's refusal when they may not join. */
  mayJoin(userId: UserId, roomId: RoomId): boolean {
    const room = this.room(roomId);
    const current = room.membership(userId);
    if (current === 'join') return false;
    if (current === 'ban') throw forbidden('You are banned from this room');
    const joinRule = room.stateEvent('m.room.join_rules')?.content.join_rule ?? 'invite';
    if (joinRule !== 'public' && current !== 'invite') throw forbidden('You are not invited to this room.');
    return true;
  }

  leave(userId: UserId, roomId: RoomId, reason?: string): void {
    const room = this.room(roomId);
    const current = room.membership(userId);
    if (current !== 'join' && current !== 'invite') throw forbidden(`User ${userId} not in room ${roomId}`);
    this.append(room, userId, 'm.room.member', { membership: 'leave', ...(reason ? { reason } : {}) }, userId);
  }

  /** invite, kick, ban and unban, as `actor` on `target`. */
  changeMembership(actor: UserId, roomId: RoomId, target: UserId, action: 'invite' | 'kick' | 'ban' | 'unban', reason?: string): void {
    const room = this.room(roomId);
    room.requireJoined(actor);
    const current = room.membership(target);
    if (action === 'invite') {
      if (current === 'join') throw forbidden(`${target} is already in the room.`);
      if (current === 'ban') throw forbidden(`${target} is banned from the room`);
    }
    if (action === 'kick' && current !== 'join' && current !== 'invite') throw forbidden('The target user is not in the room');
    room.requirePowerFor(actor, action === 'unban' ? 'ban' : action);
    const membership: Membership = action === 'invite' ? 'invite' : action === 'ban' ? 'ban' : 'leave';
    this.append(room, actor, 'm.room.member', { membership, ...(reason ? { reason } : {}) }, target);
  }

  /** Sends a (non-state) event; the same transaction from the same user is stored once. */
  send(userId: UserId, roomId: RoomId, type: string, content: Record<string, unknown>, txnId: string, redacts?: EventId): EventId {
    const key = `${userId} ${roomId} ${txnId}`;
    const earlier = this.txns.get(key);
    if (earlier) return earlier;
    const room = this.room(roomId);
    room.requireJoined(userId);
    if (redacts) {
      const target = room.find(redacts);
      if (target && target.sender !== userId) room.requirePowerFor(userId, 'redact');
    } else {
      room.requirePowerToSend(userId, type, false);
    }
    const event = this.append(room, userId, type, content, undefined, redacts);
    this.txns.set(key, event.event_id);
    this.txnOfEvent.set(event.event_id, { userId, txnId });
    return event.event_id;
  }

  /** The transaction ID `viewer` sent `eventId` with, as the spec shows it to its sender alone. */
  transactionIdFor(eventId: EventId, viewer: UserId): string | undefined {
    const sent = this.txnOfEvent.get(eventId);
    return sent?.userId === viewer ? sent.txnId : undefined;
  }

  sendState(userId: UserId, roomId: RoomId, type: string, stateKey: string, content: Record<string, unknown>): EventId {
    const room = this.room(roomId);
    room.requireJoined(userId);
    room.requirePowerToSend(userId, type, true);
    return this.append(room, userId, type, content, stateKey).event_id;
  }

  /** State as a member reads it; a non-member is refused like Synapse refuses (previews disabled). */
  readState(userId: UserId, roomId: RoomId, type: string, stateKey: string): StoredEvent {
    const room = this.room(roomId);
    if (room.membership(userId) !== 'join') throw forbidden(`User ${userId} not in room ${roomId}, and room previews are disabled`);
    const event = room.stateEvent(type, stateKey);
    if (!event) throw notFound('Event not found.');
    return event;
  }

  setProfileField(userId: UserId, field: keyof Profile, value: string): void {
    this.profiles.set(userId, { ...this.profiles.get(userId), [field]: value });
    // Like Synapse: a profile change is a new member event in every room the user is in.
    for (const room of this.rooms.values()) {
      if (room.membership(userId) === 'join') {
        this.append(room, userId, 'm.room.member', { membership: 'join', ...this.memberProfile(userId) }, userId);
      }
    }
  }

  createAlias(userId: UserId, alias: RoomAlias, roomId: RoomId): void {
    this.room(roomId);
    if (this.aliases.has(alias)) throw new HomeserverRefusal(409, 'M_UNKNOWN', `Room alias ${alias} already exists`);
    this.aliases.set(alias, { roomId, creator: userId });
  }

  deleteAlias(userId: UserId, alias: RoomAlias): void {
    const entry = this.aliases.get(alias);
    if (!entry) throw notFound('Room alias not found');
    const room = this.rooms.get(entry.roomId);
    const isAdmin = room !== undefined && room.powerOf(userId) >= 100;
    if (entry.creator !== userId && !isAdmin) throw forbidden('You don\'t have permission to delete the alias.');
    this.aliases.delete(alias);
  }

  upload(data: Buffer, contentType: string, filename?: string): string {
    const mediaId = randomBytes(12).toString('base64url');
    this.media.set(`${this.domain}/${mediaId}`, { data, contentType, ...(filename ? { filename } : {}) });
    return `mxc://${this.domain}/${mediaId}`;
  }

  /** Appends an event made by the homeserver or pushed by a test (the model stays the room's truth). */
  append(room: Room, sender: UserId, type: string, content: Record<string, unknown>, stateKey?: string, redacts?: EventId, eventId?: EventId): StoredEvent {
    return room.append({
      event_id: eventId ?? this.newEventId(), room_id: room.roomId, sender, type, content,
      origin_server_ts: this.now(),
      ...(stateKey !== undefined ? { state_key: stateKey } : {}),
      ...(redacts ? { redacts } : {}),
    });
  }

  private memberProfile(userId: UserId): Record<string, string> {
    const p = this.profiles.get(userId) ?? {};
    return { ...(p.displayname ? { displayname: p.displayname } : {}), ...(p.avatar_url ? { avatar_url: p.avatar_url } : {}) };
  }
}
