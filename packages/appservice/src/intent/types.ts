import type { EventId, RoomAlias, RoomId, UserId } from '../ids';

/** A user's global display name and avatar. */
export interface Profile {
  displayName?: string;
  avatarUrl?: string;
}

/** A state event as read back: its content, and who sent it when the homeserver says so. */
export interface StateEvent<T = Record<string, unknown>> {
  content: T;
  /** Absent only when the homeserver does not support reading whole events (`?format=event`). */
  sender?: UserId;
  eventId?: EventId;
}

/** What a new room is created with (the `createRoom` request, in camelCase). */
export interface CreateRoomOptions {
  /** Localpart of the alias to create with the room (`#<alias>:<server>`). */
  aliasLocalpart?: string;
  name?: string;
  topic?: string;
  visibility?: 'public' | 'private';
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';
  invite?: UserId[];
  isDirect?: boolean;
  initialState?: Array<{ type: string; stateKey?: string; content: Record<string, unknown> }>;
  powerLevelContentOverride?: Record<string, unknown>;
  roomVersion?: string;
  /** Extra keys of the m.room.create event, e.g. `{ 'm.federate': false }`. */
  creationContent?: Record<string, unknown>;
}

/** A user's presence, as the Matrix presence API names it. */
export type PresenceState = 'online' | 'unavailable' | 'offline';

/** Options of one send. */
export interface SendOptions {
  /**
   * The transaction ID to send with. Pass the same one when retrying the same message later
   * (e.g. after a homeserver outage): the homeserver then stores it once even if an earlier
   * attempt did arrive. Must be unique per user for different messages. Default: a fresh one.
   */
  txnId?: string;
  /**
   * When the message was really sent, in epoch ms (e.g. an IRC server-time tag), for the event's
   * `origin_server_ts`. Sent as the appservice-only `ts` parameter; a homeserver that does not
   * honour it stamps the event with its own time, as without it.
   */
  ts?: number;
  /**
   * With `txnId`: first look whether an earlier attempt already put the event in the room (the
   * user's latest events there), and if so return it without sending. For a resend after a
   * failure that may have reached the homeserver, or after a crash: a homeserver that restarted
   * meanwhile may have forgotten the transaction ID (Synapse does for appservice users) and would
   * store the event twice. Costs one request; use it only for resends.
   */
  checkSentBefore?: boolean;
}

/**
 * "Act as this user." Every method makes sure the preconditions hold (registered, profile set,
 * joined) before it acts, using caches so a steady-state send costs exactly one HTTP request.
 */
export interface Intent {
  readonly userId: UserId;
  ensureRegistered(): Promise<void>;
  ensureProfile(profile: Profile): Promise<void>;
  ensureJoined(roomId: RoomId): Promise<void>;

  sendMessage(roomId: RoomId, content: Record<string, unknown>, opts?: SendOptions): Promise<EventId>;
  sendEvent(roomId: RoomId, type: string, content: Record<string, unknown>, opts?: SendOptions): Promise<EventId>;
  sendState(roomId: RoomId, type: string, stateKey: string, content: Record<string, unknown>): Promise<EventId>;
  getState<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey?: string): Promise<T | undefined>;
  /** Like `getState`, with the sender: e.g. who created a room (`m.room.create`), which decides power in room version 12. */
  getStateEvent<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey?: string): Promise<StateEvent<T> | undefined>;
  redact(roomId: RoomId, eventId: EventId, reason?: string): Promise<EventId>;
  sendTyping(roomId: RoomId, typing: boolean, timeoutMs?: number): Promise<void>;

  createRoom(options: CreateRoomOptions): Promise<RoomId>;
  join(roomIdOrAlias: RoomId | RoomAlias): Promise<RoomId>;
  leave(roomId: RoomId, reason?: string): Promise<void>;
  invite(roomId: RoomId, userId: UserId): Promise<void>;
  kick(roomId: RoomId, userId: UserId, reason?: string): Promise<void>;
  ban(roomId: RoomId, userId: UserId, reason?: string): Promise<void>;
  unban(roomId: RoomId, userId: UserId): Promise<void>;
  joinedMembers(roomId: RoomId): Promise<UserId[]>;
  resolveAlias(alias: RoomAlias): Promise<RoomId | undefined>;
  /** Anyone's global profile (display name, avatar), or undefined when the homeserver has none. */
  getProfile(userId: UserId): Promise<Profile | undefined>;
  /** Removes an alias (the bridge's own, or any alias if this user is a room admin). */
  deleteAlias(alias: RoomAlias): Promise<void>;
  /** Publishes the room in, or removes it from, the homeserver's room directory. */
  setDirectoryVisibility(roomId: RoomId, visibility: 'public' | 'private'): Promise<void>;

  setDisplayName(name: string): Promise<void>;
  setAvatarUrl(mxc: string): Promise<void>;
  /**
   * Sets this user's presence and status message (e.g. an IRC away reason). Homeservers with
   * presence disabled accept it and ignore it; callers coalesce changes, as every call is a request.
   */
  setPresence(state: PresenceState, statusMsg?: string): Promise<void>;
  uploadContent(data: Buffer, contentType: string, filename?: string): Promise<string>;
}
