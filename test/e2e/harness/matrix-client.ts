/**
 * A thin typed Matrix client for scenarios: real HTTP to the run's Synapse, no SDK. Users are
 * created through the shared-secret admin API, which needs no open registration and skips
 * rc_registration.
 */
import { randomBytes } from 'node:crypto';
import { readE2eEnv } from './env';
import { encode, MatrixApiError, matrixRequest, matrixRequestBytes, registerWithSharedSecret, type MatrixRequestOptions } from './matrix-http';
import { delay } from './wait';
import { SyncTracker, type MatrixEvent, type ReceivedInvite, type SyncPosition, type SyncResponse } from './matrix-sync';

export { MatrixApiError } from './matrix-http';
export type { MatrixEvent, ReceivedInvite, StrippedStateEvent, SyncPosition } from './matrix-sync';

export interface MatrixUser {
  userId: string;
  accessToken: string;
}

export interface RegisterOptions {
  admin?: boolean;
  password?: string;
}

const DEFAULT_WAIT_MS = 15_000;

/** A localpart no other test of this run uses: `<prefix><time><random>`, valid for normal users. */
export function uniqueLocalpart(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Registers a user with the homeserver's registration_shared_secret (Synapse admin API). */
export async function registerUser(localpart: string = uniqueLocalpart(), options: RegisterOptions = {}): Promise<MatrixUser> {
  const { url, registrationSharedSecret } = readE2eEnv().homeserver;
  return registerWithSharedSecret(url, registrationSharedSecret, {
    localpart,
    password: options.password ?? randomBytes(12).toString('hex'),
    admin: options.admin ?? false,
  });
}

/**
 * Asks the homeserver to ping the appservice (MSC2659) with the AS token. Resolves with the round
 * trip Synapse measured; throws MatrixApiError when the appservice did not answer 2xx: 502
 * M_BAD_STATUS (body.status holds the appservice's status), 502 M_CONNECTION_FAILED, 504
 * M_CONNECTION_TIMEOUT (the spec's codes; E2E-NOTES calls them M_AS_PING_*, which is Synapse's
 * constant name, not the wire value). A successful ping also
 * makes Synapse retry an appservice it had marked down, so call it whenever a bridge (re)starts.
 */
export async function appservicePing(asId: string, asToken: string, transactionId?: string, homeserverUrl: string = readE2eEnv().homeserver.url): Promise<{ durationMs: number }> {
  const deadline = Date.now() + STALE_POOL_RETRY_MS;
  for (;;) {
    try {
      const reply = await matrixRequest<{ duration_ms: number }>(homeserverUrl, 'POST', `/_matrix/client/v1/appservice/${encode(asId)}/ping`, {
        accessToken: asToken,
        json: transactionId === undefined ? {} : { transaction_id: transactionId },
      });
      return { durationMs: reply.duration_ms };
    } catch (err) {
      // Synapse pools keep-alive connections to the appservice. After a bridge on this port has
      // exited, each stale pooled connection fails once with Twisted's "AlreadyCancelled" (502
      // M_CONNECTION_FAILED) before Synapse opens a fresh one. That is Synapse's pool, not the
      // appservice under test: try again. A port nobody listens on fails differently. How many
      // are stale depends on the traffic before (queued transactions pushed after an earlier
      // ping open more), so the retries are bounded by time, not by a count.
      if (Date.now() >= deadline || !isStalePooledConnection(err)) throw err;
      await delay(50);
    }
  }
}

const STALE_POOL_RETRY_MS = 5_000;

function isStalePooledConnection(err: unknown): boolean {
  return err instanceof MatrixApiError && err.errcode === 'M_CONNECTION_FAILED' && /AlreadyCancelled/.test(err.message);
}

export interface CreateRoomOptions {
  name?: string;
  topic?: string;
  invite?: string[];
  preset?: 'private_chat' | 'public_chat' | 'trusted_private_chat';
  visibility?: 'public' | 'private';
  /** Localpart of a canonical alias to create with the room. */
  roomAliasName?: string;
  isDirect?: boolean;
  initialState?: Array<{ type: string; state_key?: string; content: Record<string, unknown> }>;
}

export interface JoinedMember {
  displayName?: string;
  avatarUrl?: string;
}

export interface Profile {
  displayname?: string;
  avatar_url?: string;
}

export class MatrixClient {
  readonly userId: string;
  readonly accessToken: string;
  private readonly baseUrl: string;
  private readonly sync: SyncTracker;
  private txnCounter = 0;

  constructor(user: MatrixUser, baseUrl: string = readE2eEnv().homeserver.url) {
    this.userId = user.userId;
    this.accessToken = user.accessToken;
    this.baseUrl = baseUrl;
    this.sync = new SyncTracker((since, timeoutMs) => this.fetchSync(since, timeoutMs), this.userId);
  }

  /** Registers a fresh user (unique localpart unless given) and returns a client acting as it. */
  static async register(localpart?: string, options?: RegisterOptions): Promise<MatrixClient> {
    return new MatrixClient(await registerUser(localpart, options));
  }

  request<T>(method: string, path: string, options: Omit<MatrixRequestOptions, 'accessToken'> = {}): Promise<T> {
    return matrixRequest<T>(this.baseUrl, method, path, { ...options, accessToken: this.accessToken });
  }

  async createRoom(options: CreateRoomOptions = {}): Promise<string> {
    const reply = await this.request<{ room_id: string }>('POST', '/_matrix/client/v3/createRoom', {
      json: {
        name: options.name,
        topic: options.topic,
        invite: options.invite,
        preset: options.preset ?? 'private_chat',
        visibility: options.visibility,
        room_alias_name: options.roomAliasName,
        is_direct: options.isDirect,
        initial_state: options.initialState,
      },
    });
    return reply.room_id;
  }

  async joinRoom(roomIdOrAlias: string): Promise<string> {
    const reply = await this.request<{ room_id: string }>('POST', `/_matrix/client/v3/join/${encode(roomIdOrAlias)}`, { json: {} });
    return reply.room_id;
  }

  async leave(roomId: string, reason?: string): Promise<void> {
    await this.request('POST', `/_matrix/client/v3/rooms/${encode(roomId)}/leave`, { json: reason ? { reason } : {} });
  }

  async invite(roomId: string, userId: string): Promise<void> {
    await this.request('POST', `/_matrix/client/v3/rooms/${encode(roomId)}/invite`, { json: { user_id: userId } });
  }

  async kick(roomId: string, userId: string, reason?: string): Promise<void> {
    await this.request('POST', `/_matrix/client/v3/rooms/${encode(roomId)}/kick`, { json: { user_id: userId, reason } });
  }

  async resolveAlias(alias: string): Promise<string> {
    const reply = await this.request<{ room_id: string }>('GET', `/_matrix/client/v3/directory/room/${encode(alias)}`);
    return reply.room_id;
  }

  /** Sends any room event; returns its event ID. */
  async sendEvent(roomId: string, type: string, content: Record<string, unknown>): Promise<string> {
    const txnId = `e2e.${Date.now()}.${++this.txnCounter}`;
    const reply = await this.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${encode(roomId)}/send/${encode(type)}/${encode(txnId)}`, { json: content });
    return reply.event_id;
  }

  sendText(roomId: string, body: string): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body });
  }

  /** HTML message; `plainBody` is the fallback other clients show (defaults to the HTML's text). */
  sendHtml(roomId: string, html: string, plainBody: string = html.replace(/<[^>]*>/g, '')): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body: plainBody, format: 'org.matrix.custom.html', formatted_body: html });
  }

  sendEmote(roomId: string, body: string): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', { msgtype: 'm.emote', body });
  }

  sendNotice(roomId: string, body: string): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', { msgtype: 'm.notice', body });
  }

  /** A reply without the legacy quoted fallback (clients stopped sending it, MSC2781). */
  sendReply(roomId: string, inReplyToEventId: string, body: string): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body, 'm.relates_to': { 'm.in_reply_to': { event_id: inReplyToEventId } } });
  }

  /** An edit (m.replace) of an earlier text message, shaped the way Element sends it. */
  sendEdit(roomId: string, originalEventId: string, newBody: string): Promise<string> {
    return this.sendEvent(roomId, 'm.room.message', {
      msgtype: 'm.text',
      body: `* ${newBody}`,
      'm.new_content': { msgtype: 'm.text', body: newBody },
      'm.relates_to': { rel_type: 'm.replace', event_id: originalEventId },
    });
  }

  async redact(roomId: string, eventId: string, reason?: string): Promise<string> {
    const txnId = `e2e.${Date.now()}.${++this.txnCounter}`;
    const reply = await this.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${encode(roomId)}/redact/${encode(eventId)}/${encode(txnId)}`, { json: reason ? { reason } : {} });
    return reply.event_id;
  }

  async sendState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    const reply = await this.request<{ event_id: string }>('PUT', `/_matrix/client/v3/rooms/${encode(roomId)}/state/${encode(type)}/${encode(stateKey)}`, { json: content });
    return reply.event_id;
  }

  setTopic(roomId: string, topic: string): Promise<string> {
    return this.sendState(roomId, 'm.room.topic', '', { topic });
  }

  /** The content of one state event; throws MatrixApiError 404 M_NOT_FOUND when it is not set. */
  getState<T extends Record<string, unknown> = Record<string, unknown>>(roomId: string, type: string, stateKey = ''): Promise<T> {
    return this.request<T>('GET', `/_matrix/client/v3/rooms/${encode(roomId)}/state/${encode(type)}/${encode(stateKey)}`);
  }

  getRoomState(roomId: string): Promise<Array<Omit<MatrixEvent, 'room_id'> & { state_key: string }>> {
    return this.request('GET', `/_matrix/client/v3/rooms/${encode(roomId)}/state`);
  }

  /** Joined members by user ID. */
  async joinedMembers(roomId: string): Promise<Record<string, JoinedMember>> {
    const reply = await this.request<{ joined: Record<string, { display_name?: string; avatar_url?: string }> }>('GET', `/_matrix/client/v3/rooms/${encode(roomId)}/joined_members`);
    return Object.fromEntries(Object.entries(reply.joined).map(([id, m]) => [id, { displayName: m.display_name, avatarUrl: m.avatar_url }]));
  }

  /**
   * The room's timeline as this user may read it, oldest first (GET /messages backwards from the
   * end, up to `limit` events): for counting what arrived, duplicates included.
   */
  async roomTimeline(roomId: string, limit = 200): Promise<MatrixEvent[]> {
    const reply = await this.request<{ chunk: Array<Omit<MatrixEvent, 'room_id'>> }>('GET', `/_matrix/client/v3/rooms/${encode(roomId)}/messages`, {
      query: { dir: 'b', limit, filter: JSON.stringify({ lazy_load_members: false }) },
    });
    return reply.chunk.map((e) => ({ ...e, room_id: roomId })).reverse();
  }

  /** The bodies of the m.room.message events `sender` sent, oldest first (among the last `limit` events). */
  async messageBodiesFrom(roomId: string, sender: string, limit?: number): Promise<string[]> {
    const timeline = await this.roomTimeline(roomId, limit);
    return timeline.filter((e) => e.type === 'm.room.message' && e.sender === sender).map((e) => String(e.content.body));
  }

  /** Resolves with the membership event that gives `userId` the membership `membership` in the room. */
  waitForMembership(roomId: string, userId: string, membership: string, timeoutMs = DEFAULT_WAIT_MS, after?: SyncPosition): Promise<MatrixEvent> {
    return this.waitForEvent(roomId, (e) => e.type === 'm.room.member' && e.state_key === userId && e.content.membership === membership, timeoutMs, after);
  }

  /** A user's current membership in the room ('join', 'leave', ...), or undefined when never a member. */
  async membershipOf(roomId: string, userId: string): Promise<string | undefined> {
    try {
      const member = await this.getState<{ membership?: string }>(roomId, 'm.room.member', userId);
      return member.membership;
    } catch (err) {
      if (err instanceof MatrixApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** The room's power level of a user, as clients compute it (users entry, else users_default). */
  async powerLevelOf(roomId: string, userId: string): Promise<number> {
    const levels = await this.getState<{ users?: Record<string, number>; users_default?: number }>(roomId, 'm.room.power_levels');
    return levels.users?.[userId] ?? levels.users_default ?? 0;
  }

  getProfile(userId: string): Promise<Profile> {
    return this.request<Profile>('GET', `/_matrix/client/v3/profile/${encode(userId)}`);
  }

  /** A user's presence as the homeserver tells this user (they must share a room). */
  presenceOf(userId: string): Promise<{ presence: string; status_msg?: string | null }> {
    return this.request('GET', `/_matrix/client/v3/presence/${encode(userId)}/status`);
  }

  async setDisplayName(displayName: string): Promise<void> {
    await this.request('PUT', `/_matrix/client/v3/profile/${encode(this.userId)}/displayname`, { json: { displayname: displayName } });
  }

  /** Uploads bytes; returns the mxc:// URI. */
  async uploadMedia(data: Uint8Array, contentType: string, filename?: string): Promise<string> {
    const reply = await this.request<{ content_uri: string }>('POST', '/_matrix/media/v3/upload', { body: data, contentType, query: { filename } });
    return reply.content_uri;
  }

  /** Downloads through the authenticated media API (legacy /media/v3/download is 404 for new media). */
  downloadMedia(mxcUri: string): Promise<{ bytes: Buffer; contentType: string | null }> {
    const match = /^mxc:\/\/([^/]+)\/([^/?#]+)$/.exec(mxcUri);
    if (!match) throw new Error(`not an mxc:// URI: ${mxcUri}`);
    return matrixRequestBytes(this.baseUrl, 'GET', `/_matrix/client/v1/media/download/${encode(match[1])}/${encode(match[2])}`, { accessToken: this.accessToken });
  }

  /** The end of what this user has seen so far; pass to waitForEvent to ignore older events. */
  syncPosition(): Promise<SyncPosition> {
    return this.sync.position();
  }

  /**
   * Resolves with the first event in `roomId` (state or timeline, since this client's first sync,
   * at or after `after`) that matches; long-polls /sync until `timeoutMs` passes.
   */
  waitForEvent(roomId: string, predicate: (event: MatrixEvent) => boolean, timeoutMs = DEFAULT_WAIT_MS, after?: SyncPosition): Promise<MatrixEvent> {
    return this.sync.waitForEvent(roomId, predicate, timeoutMs, after);
  }

  /** A text message whose body equals `body` (or matches the regex). */
  waitForMessage(roomId: string, body: string | RegExp, timeoutMs = DEFAULT_WAIT_MS, after?: SyncPosition): Promise<MatrixEvent> {
    const matches = (value: unknown): boolean => typeof value === 'string' && (typeof body === 'string' ? value === body : body.test(value));
    return this.waitForEvent(roomId, (e) => e.type === 'm.room.message' && matches(e.content.body), timeoutMs, after);
  }

  waitForInvite(predicate: (invite: ReceivedInvite) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedInvite> {
    return this.sync.waitForInvite(predicate, timeoutMs);
  }

  private fetchSync(since: string | undefined, timeoutMs: number): Promise<SyncResponse> {
    return this.request<SyncResponse>('GET', '/_matrix/client/v3/sync', {
      query: {
        since,
        timeout: timeoutMs,
        filter: JSON.stringify({ room: { timeline: { limit: 100 } }, presence: { not_types: ['*'] }, account_data: { not_types: ['*'] } }),
      },
      timeoutMs: timeoutMs + 15_000,
    });
  }
}
