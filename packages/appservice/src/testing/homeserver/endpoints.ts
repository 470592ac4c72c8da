/**
 * The client-server endpoints a bridge uses, mapped onto the model. Each handler gets the
 * masqueraded user and the parsed request and returns a JSON body (or a raw media response);
 * refusals are thrown as `HomeserverRefusal` and answered with Synapse's errcode.
 */
import type { EventId, RoomAlias, RoomId, UserId } from '../../ids';
import type { CreateRoomBody, HomeserverModel } from './model';
import { forbidden, HomeserverRefusal, notFound } from './rooms';

export interface EndpointRequest {
  /** Who the request acts as: `?user_id=` or the bot. */
  user: UserId;
  params: string[];
  query: URLSearchParams;
  /** Parsed JSON, or the raw bytes for uploads. */
  body: Record<string, unknown>;
  raw: Buffer;
  contentType: string;
}

export type EndpointResult = Record<string, unknown> | { media: { data: Buffer; contentType: string } } | { list: unknown[] };

/** What endpoints need from around the model: the appservice (for alias queries and pings). */
export interface EndpointContext {
  model: HomeserverModel;
  registrationId: string;
  isNamespacedAlias(alias: string): boolean;
  isNamespacedUser(userId: string): boolean;
  /** Asks the bridge about an alias in its namespace (`GET /_matrix/app/v1/rooms/{alias}`); true if it created it. */
  queryAlias(alias: RoomAlias): Promise<boolean>;
  /** Calls the bridge's `/_matrix/app/v1/ping`; rejects when unreachable. */
  pingAppservice(transactionId: string | undefined): Promise<void>;
}

export interface Endpoint {
  method: string;
  /** Matches the decoded-per-segment path; groups are the params. */
  pattern: RegExp;
  /** A name for `sent` (e.g. `send`, `state`, `join`), so tests filter without matching URLs. */
  name: string;
  handle(ctx: EndpointContext, req: EndpointRequest): Promise<EndpointResult> | EndpointResult;
}

const C = '/_matrix/client/(?:v3|r0)';
const SEG = '([^/]+)';
const route = (method: string, path: string, name: string, handle: Endpoint['handle']): Endpoint => ({
  method, pattern: new RegExp(`^${path}$`), name, handle,
});

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export async function resolveAlias(ctx: EndpointContext, alias: RoomAlias): Promise<RoomId> {
  let entry = ctx.model.aliases.get(alias);
  // Like Synapse: an unknown alias in an appservice's namespace is asked of that appservice first.
  if (!entry && ctx.isNamespacedAlias(alias) && (await ctx.queryAlias(alias))) entry = ctx.model.aliases.get(alias);
  if (!entry) throw notFound(`Room alias ${alias} not found`);
  return entry.roomId;
}

function parseFilter(raw: string | null): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new HomeserverRefusal(400, 'M_INVALID_PARAM', 'Invalid filter JSON');
  }
}

function targetOf(body: Record<string, unknown>): UserId {
  const target = str(body.user_id);
  if (!target) throw new HomeserverRefusal(400, 'M_MISSING_PARAM', 'Missing user_id');
  return target as UserId;
}

export const ENDPOINTS: Endpoint[] = [
  route('GET', '/_matrix/client/versions', 'versions', () => ({ versions: ['v1.11', 'v1.12'], unstable_features: {} })),
  route('GET', `${C}/account/whoami`, 'whoami', (_ctx, req) => ({ user_id: req.user, is_guest: false })),
  route('POST', `/_matrix/client/v1/appservice/${SEG}/ping`, 'ping', async (ctx, req) => {
    if (req.params[0] !== ctx.registrationId) throw forbidden('Provided appservice ID does not match the access token');
    const started = Date.now();
    try {
      await ctx.pingAppservice(str(req.body.transaction_id));
    } catch {
      throw new HomeserverRefusal(502, 'M_CONNECTION_FAILED', 'Could not connect to the appservice');
    }
    return { duration_ms: Date.now() - started };
  }),
  route('POST', `${C}/register`, 'register', (ctx, req) => {
    if (req.body.type !== 'm.login.application_service') throw new HomeserverRefusal(401, 'M_FORBIDDEN', 'Appservices must register with type m.login.application_service');
    const username = str(req.body.username) ?? '';
    if (!ctx.isNamespacedUser(`@${username}:${ctx.model.domain}`)) {
      throw new HomeserverRefusal(400, 'M_EXCLUSIVE', 'Invalid user localpart for this application service.');
    }
    return { user_id: ctx.model.register(username) };
  }),
  route('GET', `${C}/profile/${SEG}`, 'profile', (ctx, req) => {
    const profile = ctx.model.profiles.get(req.params[0] as UserId);
    if (!profile || !ctx.model.users.has(req.params[0] as UserId)) throw notFound('Profile was not found');
    return { ...profile };
  }),
  route('PUT', `${C}/profile/${SEG}/(displayname|avatar_url)`, 'profile', (ctx, req) => {
    const [userId, field] = req.params as [UserId, 'displayname' | 'avatar_url'];
    if (userId !== req.user) throw forbidden('Cannot set another user\'s profile');
    const value = str(req.body[field]);
    if (value === undefined) throw new HomeserverRefusal(400, 'M_BAD_JSON', `Missing key '${field}'`);
    ctx.model.setProfileField(userId, field, value);
    return {};
  }),
  route('POST', `${C}/createRoom`, 'createRoom', (ctx, req) => ({ room_id: ctx.model.createRoom(req.user, req.body as CreateRoomBody) })),
  route('POST', `${C}/join/${SEG}`, 'join', async (ctx, req) => {
    const target = req.params[0]!;
    const roomId = target.startsWith('#') ? await resolveAlias(ctx, target as RoomAlias) : (target as RoomId);
    if (!ctx.model.rooms.has(roomId)) throw notFound('No known servers');
    ctx.model.join(req.user, roomId);
    return { room_id: roomId };
  }),
  route('POST', `${C}/rooms/${SEG}/join`, 'join', (ctx, req) => {
    ctx.model.join(req.user, req.params[0] as RoomId);
    return { room_id: req.params[0] };
  }),
  route('POST', `${C}/rooms/${SEG}/leave`, 'leave', (ctx, req) => {
    ctx.model.leave(req.user, req.params[0] as RoomId, str(req.body.reason));
    return {};
  }),
  route('POST', `${C}/rooms/${SEG}/(invite|kick|ban|unban)`, 'membership', (ctx, req) => {
    const action = req.params[1] as 'invite' | 'kick' | 'ban' | 'unban';
    ctx.model.changeMembership(req.user, req.params[0] as RoomId, targetOf(req.body), action, str(req.body.reason));
    return {};
  }),
  route('PUT', `${C}/rooms/${SEG}/send/${SEG}/${SEG}`, 'send', (ctx, req) => {
    const [roomId, type, txnId] = req.params as [RoomId, string, string];
    return { event_id: ctx.model.send(req.user, roomId, type, req.body, txnId) };
  }),
  route('PUT', `${C}/rooms/${SEG}/redact/${SEG}/${SEG}`, 'redact', (ctx, req) => {
    const [roomId, eventId, txnId] = req.params as [RoomId, EventId, string];
    return { event_id: ctx.model.send(req.user, roomId, 'm.room.redaction', req.body, txnId, eventId) };
  }),
  route('PUT', `${C}/rooms/${SEG}/state/${SEG}(?:/([^/]*))?`, 'state', (ctx, req) => {
    const [roomId, type, stateKey] = req.params as [RoomId, string, string | undefined];
    return { event_id: ctx.model.sendState(req.user, roomId, type, stateKey ?? '', req.body) };
  }),
  route('GET', `${C}/rooms/${SEG}/state`, 'roomState', (ctx, req) => {
    const room = ctx.model.room(req.params[0] as RoomId);
    room.requireJoined(req.user);
    return { list: room.allState().map((e) => ({ ...e })) };
  }),
  route('GET', `${C}/rooms/${SEG}/state/${SEG}(?:/([^/]*))?`, 'getState', (ctx, req) => {
    const [roomId, type, stateKey] = req.params as [RoomId, string, string | undefined];
    const event = ctx.model.readState(req.user, roomId, type, stateKey ?? '');
    return req.query.get('format') === 'event' ? { ...event } : { ...event.content };
  }),
  // The latest (dir=b) or earliest events, `limit` of them, optionally only some senders; no
  // pagination tokens. The sender's own transaction ID is in `unsigned`, as the spec requires.
  route('GET', `${C}/rooms/${SEG}/messages`, 'messages', (ctx, req) => {
    const room = ctx.model.room(req.params[0] as RoomId);
    room.requireJoined(req.user);
    const senders = obj(parseFilter(req.query.get('filter'))).senders;
    const wanted = Array.isArray(senders) ? new Set(senders) : undefined;
    const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 10) || 10, 1), 1000);
    const events = req.query.get('dir') === 'b' ? [...room.timeline].reverse() : room.timeline;
    const chunk = events.filter((e) => !wanted || wanted.has(e.sender)).slice(0, limit).map((e) => {
      const txnId = ctx.model.transactionIdFor(e.event_id, req.user);
      return txnId ? { ...e, unsigned: { transaction_id: txnId } } : { ...e };
    });
    return { chunk, start: 'start' };
  }),
  route('GET', `${C}/rooms/${SEG}/joined_members`, 'joinedMembers', (ctx, req) => {
    const room = ctx.model.room(req.params[0] as RoomId);
    room.requireJoined(req.user);
    const joined: Record<string, unknown> = {};
    for (const member of room.joinedMembers()) {
      const content = room.stateEvent('m.room.member', member)?.content ?? {};
      joined[member] = { display_name: content.displayname ?? null, avatar_url: content.avatar_url ?? null };
    }
    return { joined };
  }),
  route('PUT', `${C}/presence/${SEG}/status`, 'presence', (ctx, req) => {
    if (req.params[0] !== req.user) throw forbidden('Cannot set presence state for another user');
    const presence = str(req.body.presence);
    if (!presence || !['online', 'offline', 'unavailable'].includes(presence)) throw new HomeserverRefusal(400, 'M_INVALID_PARAM', 'Invalid presence state');
    ctx.model.presence.set(req.user, { presence, ...(str(req.body.status_msg) !== undefined ? { status_msg: str(req.body.status_msg) } : {}) });
    return {};
  }),
  route('PUT', `${C}/rooms/${SEG}/typing/${SEG}`, 'typing', (ctx, req) => {
    if (req.params[1] !== req.user) throw forbidden('Cannot set another user\'s typing state');
    ctx.model.room(req.params[0] as RoomId).requireJoined(req.user);
    return {};
  }),
  route('GET', `${C}/directory/room/${SEG}`, 'directory', async (ctx, req) => {
    const roomId = await resolveAlias(ctx, req.params[0] as RoomAlias);
    return { room_id: roomId, servers: [ctx.model.domain] };
  }),
  route('PUT', `${C}/directory/room/${SEG}`, 'directory', (ctx, req) => {
    ctx.model.createAlias(req.user, req.params[0] as RoomAlias, str(req.body.room_id) as RoomId);
    return {};
  }),
  route('DELETE', `${C}/directory/room/${SEG}`, 'directory', (ctx, req) => {
    ctx.model.deleteAlias(req.user, req.params[0] as RoomAlias);
    return {};
  }),
  route('PUT', `${C}/directory/list/room/${SEG}`, 'directoryVisibility', (ctx, req) => {
    const roomId = req.params[0] as RoomId;
    const room = ctx.model.room(roomId);
    if (room.powerOf(req.user) < 50) throw forbidden('You don\'t have permission to change the room\'s visibility');
    if (obj(req.body).visibility === 'public') ctx.model.directory.add(roomId);
    else ctx.model.directory.delete(roomId);
    return {};
  }),
  route('POST', '/_matrix/media/v3/upload', 'upload', (ctx, req) => ({
    content_uri: ctx.model.upload(req.raw, req.contentType || 'application/octet-stream', req.query.get('filename') ?? undefined),
  })),
  route('GET', `/_matrix/client/v1/media/download/${SEG}/${SEG}(?:/[^/]+)?`, 'download', (ctx, req) => {
    const media = ctx.model.media.get(`${req.params[0]}/${req.params[1]}`);
    if (!media) throw notFound('Not found');
    return { media: { data: media.data, contentType: media.contentType } };
  }),
];
