import type { Readable } from 'node:stream';
import type { EventId, RoomAlias, RoomId, UserId } from '../ids';
import type { CreateRoomOptions, PresenceState, Profile, StateEvent } from '../intent/types';
import { isMatrixError, MatrixError } from './errors';
import { MatrixTransport, type RequestSpec, type TransportOptions } from './transport';
import { createTxnIds } from './txn-ids';

export type CsApiClientOptions = TransportOptions;

/** Act as this user (`?user_id=`); omitted = the bridge bot (`sender_localpart`). */
export interface As {
  asUser?: UserId;
}

/** A state event in the client-server API's wire shape (snake_case), as `/state` lists them. */
export interface RawStateEvent {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
  event_id?: string;
  sender?: string;
}

export interface Versions {
  versions: string[];
  unstableFeatures: Record<string, boolean>;
}

export interface DownloadedMedia {
  data: Buffer;
  contentType: string;
}

export interface MediaStream {
  stream: Readable;
  contentType: string;
  contentLength?: number;
}

const C = '/_matrix/client/v3';
const ROOM = `${C}/rooms/{roomId}`;

/**
 * The client-server API as an appservice uses it: every request carries the `as_token`,
 * masquerades with `?user_id=` when `asUser` is given, and retries 429/5xx/network failures.
 * Methods return camelCase values; wire fields stay inside this file.
 */
export class CsApiClient {
  private readonly http: MatrixTransport;
  /** A random per-process prefix plus a counter: unique per process, so unique per user too. */
  private readonly txnIds = createTxnIds();

  constructor(options: CsApiClientOptions) {
    this.http = new MatrixTransport(options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Closes the connections to the homeserver (at shutdown, after the last request). */
  close(): Promise<void> {
    return this.http.close();
  }

  /** A transaction ID for an idempotent PUT (send, redact). */
  newTxnId(): string {
    return this.txnIds();
  }

  async versions(): Promise<Versions> {
    const res = await this.http.json<{ versions?: string[]; unstable_features?: Record<string, boolean> }>({
      method: 'GET', endpoint: '/_matrix/client/versions',
    });
    return { versions: res.versions ?? [], unstableFeatures: res.unstable_features ?? {} };
  }

  async whoami(opts: As = {}): Promise<{ userId: UserId; deviceId?: string }> {
    const res = await this.http.json<{ user_id: UserId; device_id?: string }>({
      method: 'GET', endpoint: `${C}/account/whoami`, asUser: opts.asUser,
    });
    return { userId: res.user_id, deviceId: res.device_id };
  }

  /** Asks the homeserver to call this appservice's `/ping`: proves both tokens and the URL work. */
  async ping(appserviceId: string, transactionId?: string): Promise<{ durationMs: number }> {
    const res = await this.http.json<{ duration_ms: number }>({
      method: 'POST', endpoint: '/_matrix/client/v1/appservice/{appserviceId}/ping', params: { appserviceId },
      json: transactionId ? { transaction_id: transactionId } : {},
      // The start-up ping loop backs off between pings itself (startup/homeserver-ping.ts).
      retry: 'rateLimitedOnly',
    });
    return { durationMs: res.duration_ms };
  }

  /** Registers a user in the namespace. An existing user (`M_USER_IN_USE`) counts as success. */
  async register(localpart: string): Promise<{ created: boolean }> {
    try {
      await this.http.json({
        method: 'POST', endpoint: `${C}/register`,
        json: { type: 'm.login.application_service', username: localpart, inhibit_login: true },
      });
      return { created: true };
    } catch (err) {
      if (isMatrixError(err, 'M_USER_IN_USE')) return { created: false };
      throw err;
    }
  }

  async join(roomIdOrAlias: RoomId | RoomAlias, opts: As & { serverNames?: string[]; reason?: string } = {}): Promise<RoomId> {
    const res = await this.http.json<{ room_id: RoomId }>({
      method: 'POST', endpoint: `${C}/join/{roomIdOrAlias}`, params: { roomIdOrAlias },
      // `via` replaced `server_name` in v1.12; homeservers still read the old name, so send both.
      query: opts.serverNames?.length ? { server_name: opts.serverNames, via: opts.serverNames } : undefined,
      json: opts.reason ? { reason: opts.reason } : {}, asUser: opts.asUser,
    });
    return res.room_id;
  }

  async leave(roomId: RoomId, opts: As & { reason?: string } = {}): Promise<void> {
    await this.http.json(this.roomPost(roomId, 'leave', opts.reason ? { reason: opts.reason } : {}, opts));
  }

  async invite(roomId: RoomId, userId: UserId, opts: As & { reason?: string } = {}): Promise<void> {
    await this.http.json(this.roomPost(roomId, 'invite', { user_id: userId, reason: opts.reason }, opts));
  }

  async kick(roomId: RoomId, userId: UserId, opts: As & { reason?: string } = {}): Promise<void> {
    await this.http.json(this.roomPost(roomId, 'kick', { user_id: userId, reason: opts.reason }, opts));
  }

  async ban(roomId: RoomId, userId: UserId, opts: As & { reason?: string } = {}): Promise<void> {
    await this.http.json(this.roomPost(roomId, 'ban', { user_id: userId, reason: opts.reason }, opts));
  }

  async unban(roomId: RoomId, userId: UserId, opts: As = {}): Promise<void> {
    await this.http.json(this.roomPost(roomId, 'unban', { user_id: userId }, opts));
  }

  /** `ts`: the event's timestamp (epoch ms), which only an appservice may set (`?ts=`). */
  async sendEvent(roomId: RoomId, type: string, content: Record<string, unknown>, opts: As & { txnId?: string; ts?: number } = {}): Promise<EventId> {
    const txnId = opts.txnId ?? this.newTxnId();
    const ts = opts.ts !== undefined && Number.isSafeInteger(opts.ts) && opts.ts > 0 ? { ts: opts.ts } : undefined;
    const res = await this.http.json<{ event_id: EventId }>({
      method: 'PUT', endpoint: `${ROOM}/send/{eventType}/{txnId}`, params: { roomId, eventType: type, txnId },
      json: content, asUser: opts.asUser, ...(ts ? { query: ts } : {}),
    });
    return res.event_id;
  }

  sendMessage(roomId: RoomId, content: Record<string, unknown>, opts: As & { txnId?: string } = {}): Promise<EventId> {
    return this.sendEvent(roomId, 'm.room.message', content, opts);
  }

  async sendState(roomId: RoomId, type: string, stateKey: string, content: Record<string, unknown>, opts: As = {}): Promise<EventId> {
    const res = await this.http.json<{ event_id: EventId }>({
      method: 'PUT', endpoint: `${ROOM}/state/{eventType}/{stateKey}`, params: { roomId, eventType: type, stateKey },
      json: content, asUser: opts.asUser,
    });
    return res.event_id;
  }

  /** The content of a state event, or undefined when the room has no such state. */
  async getState<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = '', opts: As = {}): Promise<T | undefined> {
    return this.orUndefined(this.http.json<T>({
      method: 'GET', endpoint: `${ROOM}/state/{eventType}/{stateKey}`, params: { roomId, eventType: type, stateKey },
      asUser: opts.asUser,
    }));
  }

  /**
   * The event `opts.asUser` sent into the room with `txnId`, among their latest `lookBack`
   * events there, if any. Homeservers echo a sender's own transaction ID in `unsigned`; Synapse
   * does so for appservice users after a restart too, although it then no longer deduplicates a
   * resend of the ID (it keeps appservice transaction IDs in memory only).
   */
  async findSentEvent(roomId: RoomId, txnId: string, opts: As & { lookBack?: number } = {}): Promise<EventId | undefined> {
    const filter = opts.asUser ? { senders: [opts.asUser] } : {};
    const res = await this.http.json<{ chunk?: Array<{ event_id?: string; sender?: string; unsigned?: { transaction_id?: unknown } }> }>({
      method: 'GET', endpoint: `${ROOM}/messages`, params: { roomId },
      query: { dir: 'b', limit: opts.lookBack ?? 50, filter: JSON.stringify(filter) }, asUser: opts.asUser,
    });
    const match = (res.chunk ?? []).find((e) => e.unsigned?.transaction_id === txnId && (!opts.asUser || e.sender === opts.asUser));
    return typeof match?.event_id === 'string' ? (match.event_id as EventId) : undefined;
  }

  /**
   * A state event with its sender (`?format=event`), or undefined when the room has no such
   * state. A homeserver that ignores `format` answers with the content alone: then only
   * `content` is set.
   */
  async getStateEvent<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = '', opts: As = {}): Promise<StateEvent<T> | undefined> {
    const res = await this.orUndefined(this.http.json<Record<string, unknown>>({
      method: 'GET', endpoint: `${ROOM}/state/{eventType}/{stateKey}`, params: { roomId, eventType: type, stateKey },
      query: { format: 'event' }, asUser: opts.asUser,
    }));
    if (res === undefined) return undefined;
    const isEvent = typeof res.sender === 'string' && res.type === type && typeof res.content === 'object' && res.content !== null;
    if (!isEvent) return { content: res as T };
    return {
      content: res.content as T,
      sender: res.sender as UserId,
      ...(typeof res.event_id === 'string' ? { eventId: res.event_id as EventId } : {}),
    };
  }

  /** Every state event of the room (`GET /rooms/{roomId}/state`), as the wire has them. */
  async roomState(roomId: RoomId, opts: As = {}): Promise<RawStateEvent[]> {
    const res = await this.http.json<unknown>({ method: 'GET', endpoint: `${ROOM}/state`, params: { roomId }, asUser: opts.asUser });
    if (!Array.isArray(res)) return [];
    return res.filter((e): e is RawStateEvent => typeof e === 'object' && e !== null && typeof (e as RawStateEvent).type === 'string'
      && typeof (e as RawStateEvent).state_key === 'string' && typeof (e as RawStateEvent).content === 'object' && (e as RawStateEvent).content !== null);
  }

  async redact(roomId: RoomId, eventId: EventId, opts: As & { reason?: string; txnId?: string } = {}): Promise<EventId> {
    const txnId = opts.txnId ?? this.newTxnId();
    const res = await this.http.json<{ event_id: EventId }>({
      method: 'PUT', endpoint: `${ROOM}/redact/{eventId}/{txnId}`, params: { roomId, eventId, txnId },
      json: opts.reason ? { reason: opts.reason } : {}, asUser: opts.asUser,
    });
    return res.event_id;
  }

  /** Typing is always as `userId` itself (the homeserver refuses it for anyone else). */
  async sendTyping(roomId: RoomId, userId: UserId, typing: boolean, timeoutMs = 30_000): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${ROOM}/typing/{userId}`, params: { roomId, userId },
      json: typing ? { typing, timeout: timeoutMs } : { typing }, asUser: userId,
    });
  }

  /** A user's global profile, or undefined when the homeserver does not know the user. */
  async getProfile(userId: UserId, opts: As = {}): Promise<Profile | undefined> {
    const res = await this.orUndefined(this.http.json<{ displayname?: string | null; avatar_url?: string | null }>({
      method: 'GET', endpoint: `${C}/profile/{userId}`, params: { userId }, asUser: opts.asUser,
    }));
    if (!res) return undefined;
    return { displayName: res.displayname ?? undefined, avatarUrl: res.avatar_url ?? undefined };
  }

  async setDisplayName(userId: UserId, displayName: string): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${C}/profile/{userId}/displayname`, params: { userId },
      json: { displayname: displayName }, asUser: userId,
    });
  }

  async setAvatarUrl(userId: UserId, avatarUrl: string): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${C}/profile/{userId}/avatar_url`, params: { userId },
      json: { avatar_url: avatarUrl }, asUser: userId,
    });
  }

  /**
   * Sets `userId`'s presence (always as that user: homeservers refuse presence set for anyone
   * else). `statusMsg` undefined sends no `status_msg`, which clears an earlier one.
   */
  async setPresence(userId: UserId, presence: PresenceState, statusMsg?: string): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${C}/presence/{userId}/status`, params: { userId },
      json: statusMsg === undefined ? { presence } : { presence, status_msg: statusMsg }, asUser: userId,
    });
  }

  /** Not retried on 5xx or timeouts: the room may exist already, and a second try would make another. */
  async createRoom(options: CreateRoomOptions, opts: As = {}): Promise<RoomId> {
    const res = await this.http.json<{ room_id: RoomId }>({
      method: 'POST', endpoint: `${C}/createRoom`, asUser: opts.asUser, retry: 'rateLimitedOnly',
      json: {
        room_alias_name: options.aliasLocalpart,
        name: options.name,
        topic: options.topic,
        visibility: options.visibility,
        preset: options.preset,
        invite: options.invite,
        is_direct: options.isDirect,
        initial_state: options.initialState?.map((s) => ({ type: s.type, state_key: s.stateKey ?? '', content: s.content })),
        power_level_content_override: options.powerLevelContentOverride,
        room_version: options.roomVersion,
        creation_content: options.creationContent,
      },
    });
    return res.room_id;
  }

  /** The room an alias points to, or undefined when the alias does not exist. */
  async resolveAlias(alias: RoomAlias, opts: As = {}): Promise<{ roomId: RoomId; servers: string[] } | undefined> {
    const res = await this.orUndefined(this.http.json<{ room_id: RoomId; servers?: string[] }>({
      method: 'GET', endpoint: `${C}/directory/room/{roomAlias}`, params: { roomAlias: alias }, asUser: opts.asUser,
    }));
    return res && { roomId: res.room_id, servers: res.servers ?? [] };
  }

  async createAlias(alias: RoomAlias, roomId: RoomId, opts: As = {}): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${C}/directory/room/{roomAlias}`, params: { roomAlias: alias },
      json: { room_id: roomId }, asUser: opts.asUser,
    });
  }

  async deleteAlias(alias: RoomAlias, opts: As = {}): Promise<void> {
    await this.http.json({ method: 'DELETE', endpoint: `${C}/directory/room/{roomAlias}`, params: { roomAlias: alias }, asUser: opts.asUser });
  }

  /** Publishes the room in (or removes it from) the server's public room directory. */
  async setDirectoryVisibility(roomId: RoomId, visibility: 'public' | 'private', opts: As = {}): Promise<void> {
    await this.http.json({
      method: 'PUT', endpoint: `${C}/directory/list/room/{roomId}`, params: { roomId },
      json: { visibility }, asUser: opts.asUser,
    });
  }

  async joinedMembers(roomId: RoomId, opts: As = {}): Promise<Map<UserId, Profile>> {
    const res = await this.http.json<{ joined?: Record<string, { display_name?: string | null; avatar_url?: string | null }> }>({
      method: 'GET', endpoint: `${ROOM}/joined_members`, params: { roomId }, asUser: opts.asUser,
    });
    const members = new Map<UserId, Profile>();
    for (const [userId, p] of Object.entries(res.joined ?? {})) {
      members.set(userId as UserId, { displayName: p.display_name ?? undefined, avatarUrl: p.avatar_url ?? undefined });
    }
    return members;
  }

  /** Uploads bytes to the media repository; returns the `mxc://` URI. */
  async uploadMedia(data: Uint8Array, contentType: string, opts: As & { filename?: string } = {}): Promise<string> {
    const res = await this.http.json<{ content_uri: string }>({
      method: 'POST', endpoint: '/_matrix/media/v3/upload', query: { filename: opts.filename },
      raw: { data, contentType }, asUser: opts.asUser,
    });
    return res.content_uri;
  }

  /** Downloads media through the authenticated endpoint into memory; refuses more than `maxBytes`. */
  async downloadMedia(mxc: string, opts: As & { maxBytes?: number; timeoutMs?: number } = {}): Promise<DownloadedMedia> {
    const limit = opts.maxBytes ?? 50 * 1024 * 1024;
    return this.http.send(this.downloadSpec(mxc, opts), async (res) => {
      const declared = Number(res.header('content-length') ?? NaN);
      // Throwing is enough: the transport discards what was not read.
      if (declared > limit) {
        throw new RangeError(`${mxc} is ${declared} bytes, over the ${limit}-byte limit; raise maxBytes to allow it`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        if (size > limit) throw new RangeError(`${mxc} is over the ${limit}-byte limit; raise maxBytes to allow it`);
        chunks.push(chunk);
      }
      return { data: Buffer.concat(chunks), contentType: res.header('content-type') ?? 'application/octet-stream' };
    });
  }

  /**
   * Downloads media as a Node stream, for piping large files without buffering. The timeout
   * covers only the wait for the response headers; the caller owns the stream afterwards.
   */
  async downloadMediaStream(mxc: string, opts: As & { timeoutMs?: number } = {}): Promise<MediaStream> {
    return this.http.send(this.downloadSpec(mxc, opts), async (res) => {
      const length = res.header('content-length');
      return {
        // undici's body is already a Node stream: handed on as is, read at the caller's pace.
        stream: res.body,
        contentType: res.header('content-type') ?? 'application/octet-stream',
        contentLength: length === undefined ? undefined : Number(length),
      };
    });
  }

  private downloadSpec(mxc: string, opts: As & { timeoutMs?: number }): RequestSpec {
    const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(mxc);
    if (!match) throw new TypeError(`Not an mxc:// URI: ${JSON.stringify(mxc)}`);
    return {
      method: 'GET', endpoint: '/_matrix/client/v1/media/download/{serverName}/{mediaId}',
      params: { serverName: match[1]!, mediaId: match[2]! }, asUser: opts.asUser, timeoutMs: opts.timeoutMs,
    };
  }

  private roomPost(roomId: RoomId, action: string, json: Record<string, unknown>, opts: As): RequestSpec {
    return { method: 'POST', endpoint: `${ROOM}/${action}`, params: { roomId }, json, asUser: opts.asUser };
  }

  private async orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof MatrixError && err.status === 404) return undefined;
      throw err;
    }
  }
}
