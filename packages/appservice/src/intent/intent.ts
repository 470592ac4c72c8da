import type { CsApiClient } from '../csapi/client';
import { isMatrixError } from '../csapi/errors';
import { isRoomId, localpartOf, type EventId, type RoomAlias, type RoomId, type UserId } from '../ids';
import type { Logger } from '../log/types';
import type { IntentState } from './state';
import type { CreateRoomOptions, Intent, PresenceState, Profile, SendOptions, StateEvent } from './types';

/** What every intent of one bridge shares. */
export interface IntentContext {
  client: CsApiClient;
  state: IntentState;
  log: Logger;
  /** The bridge bot, which invites ghosts into rooms they cannot join on their own. */
  bot(): Intent;
}

// Homeservers word "you are not in the room" differently (Synapse: "User @x not in room !y").
const NOT_IN_ROOM = /not (?:in|joined to|a member of) (?:the |this )?room/i;
// Synapse, masquerading as a user it does not know: "Application service has not registered this user".
const NOT_REGISTERED = /not registered|has not registered/i;

/**
 * "Act as this user": a puppet or ghost in the bridge's namespace, or the bot itself. Caches
 * make the steady state cheap: once registered, joined and with its profile set, a send is
 * exactly one request. When the homeserver contradicts a cache (the user was kicked, or the
 * homeserver lost the user) the intent repairs the state and retries once.
 */
export class BridgeIntent implements Intent {
  private readonly asUser: { asUser: UserId };

  constructor(
    readonly userId: UserId,
    /** The bot exists as soon as the registration is loaded; it is never registered. */
    private readonly isBot: boolean,
    private readonly ctx: IntentContext,
  ) {
    this.asUser = { asUser: userId };
  }

  async ensureRegistered(): Promise<void> {
    const { state, client, log } = this.ctx;
    if (this.isBot || state.isRegistered(this.userId)) return;
    await state.once(`register\u0000${this.userId}`, async () => {
      const { created } = await client.register(localpartOf(this.userId));
      if (created) log.debug('Registered ghost', { userId: this.userId });
      state.setRegistered(this.userId, true);
    });
  }

  async ensureJoined(roomId: RoomId): Promise<void> {
    await this.ensureRegistered();
    if (this.ctx.state.isJoined(this.userId, roomId)) return;
    await this.ctx.state.once(`join\u0000${this.userId}\u0000${roomId}`, () => this.joinOrGetInvited(roomId));
  }

  async ensureProfile(profile: Profile): Promise<void> {
    await this.ensureRegistered();
    const key = `profile\u0000${this.userId}`;
    // Wait for a running update (which may have set exactly this profile) before comparing.
    for (let running = this.ctx.state.running(key); running; running = this.ctx.state.running(key)) {
      await running.catch(() => undefined);
    }
    const known = this.ctx.state.profileOf(this.userId);
    if (known && !differs(known, profile)) return;
    await this.ctx.state.once(key, () => this.updateProfile(profile));
  }

  sendMessage(roomId: RoomId, content: Record<string, unknown>, opts: SendOptions = {}): Promise<EventId> {
    return this.sendEvent(roomId, 'm.room.message', content, opts);
  }

  sendEvent(roomId: RoomId, type: string, content: Record<string, unknown>, opts: SendOptions = {}): Promise<EventId> {
    // One txnId for every try: if an earlier one did reach the room, the homeserver deduplicates the next.
    const txnId = opts.txnId ?? this.ctx.client.newTxnId();
    return this.inRoom(roomId, async () => {
      if (opts.checkSentBefore && opts.txnId !== undefined) {
        const sent = await this.ctx.client.findSentEvent(roomId, txnId, this.asUser);
        if (sent !== undefined) return sent;
      }
      return this.ctx.client.sendEvent(roomId, type, content, { ...this.asUser, txnId, ...(opts.ts !== undefined ? { ts: opts.ts } : {}) });
    });
  }

  sendState(roomId: RoomId, type: string, stateKey: string, content: Record<string, unknown>): Promise<EventId> {
    return this.inRoom(roomId, () => this.ctx.client.sendState(roomId, type, stateKey, content, this.asUser));
  }

  /** Reads do not join: reading state of a room the user is not in fails with the homeserver's error. */
  async getState<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = ''): Promise<T | undefined> {
    await this.ensureRegistered();
    return this.ctx.client.getState<T>(roomId, type, stateKey, this.asUser);
  }

  async getStateEvent<T = Record<string, unknown>>(roomId: RoomId, type: string, stateKey = ''): Promise<StateEvent<T> | undefined> {
    await this.ensureRegistered();
    return this.ctx.client.getStateEvent<T>(roomId, type, stateKey, this.asUser);
  }

  redact(roomId: RoomId, eventId: EventId, reason?: string): Promise<EventId> {
    const txnId = this.ctx.client.newTxnId();
    return this.inRoom(roomId, () => this.ctx.client.redact(roomId, eventId, { ...this.asUser, reason, txnId }));
  }

  sendTyping(roomId: RoomId, typing: boolean, timeoutMs?: number): Promise<void> {
    return this.inRoom(roomId, () => this.ctx.client.sendTyping(roomId, this.userId, typing, timeoutMs));
  }

  async createRoom(options: CreateRoomOptions): Promise<RoomId> {
    await this.ensureRegistered();
    const roomId = await this.ctx.client.createRoom(options, this.asUser);
    this.ctx.state.setJoined(this.userId, roomId, true);
    return roomId;
  }

  /** A room ID goes through `ensureJoined` (cached, invited by the bot when needed); an alias is joined directly. */
  async join(roomIdOrAlias: RoomId | RoomAlias): Promise<RoomId> {
    if (isRoomId(roomIdOrAlias)) {
      await this.ensureJoined(roomIdOrAlias);
      return roomIdOrAlias;
    }
    await this.ensureRegistered();
    const roomId = await this.ctx.client.join(roomIdOrAlias, this.asUser);
    this.ctx.state.setJoined(this.userId, roomId, true);
    return roomId;
  }

  async leave(roomId: RoomId, reason?: string): Promise<void> {
    await this.ensureRegistered();
    try {
      await this.ctx.client.leave(roomId, { ...this.asUser, reason });
    } finally {
      this.ctx.state.setJoined(this.userId, roomId, false);
    }
  }

  invite(roomId: RoomId, userId: UserId): Promise<void> {
    return this.inRoom(roomId, () => this.ctx.client.invite(roomId, userId, this.asUser));
  }

  kick(roomId: RoomId, userId: UserId, reason?: string): Promise<void> {
    return this.inRoom(roomId, () => this.ctx.client.kick(roomId, userId, { ...this.asUser, reason }));
  }

  ban(roomId: RoomId, userId: UserId, reason?: string): Promise<void> {
    return this.inRoom(roomId, () => this.ctx.client.ban(roomId, userId, { ...this.asUser, reason }));
  }

  unban(roomId: RoomId, userId: UserId): Promise<void> {
    return this.inRoom(roomId, () => this.ctx.client.unban(roomId, userId, this.asUser));
  }

  async joinedMembers(roomId: RoomId): Promise<UserId[]> {
    await this.ensureRegistered();
    const members = [...(await this.ctx.client.joinedMembers(roomId, this.asUser)).keys()];
    if (members.includes(this.userId)) this.ctx.state.setJoined(this.userId, roomId, true);
    return members;
  }

  async resolveAlias(alias: RoomAlias): Promise<RoomId | undefined> {
    return (await this.ctx.client.resolveAlias(alias, this.asUser))?.roomId;
  }

  async getProfile(userId: UserId): Promise<Profile | undefined> {
    return this.ctx.client.getProfile(userId, this.asUser);
  }

  async deleteAlias(alias: RoomAlias): Promise<void> {
    await this.ensureRegistered();
    await this.ctx.client.deleteAlias(alias, this.asUser);
  }

  async setDirectoryVisibility(roomId: RoomId, visibility: 'public' | 'private'): Promise<void> {
    await this.ensureRegistered();
    await this.ctx.client.setDirectoryVisibility(roomId, visibility, this.asUser);
  }

  async setDisplayName(name: string): Promise<void> {
    await this.ensureRegistered();
    await this.ctx.client.setDisplayName(this.userId, name);
    const known = this.ctx.state.profileOf(this.userId);
    if (known) this.ctx.state.setProfile(this.userId, { ...known, displayName: name });
  }

  async setAvatarUrl(mxc: string): Promise<void> {
    await this.ensureRegistered();
    await this.ctx.client.setAvatarUrl(this.userId, mxc);
    const known = this.ctx.state.profileOf(this.userId);
    if (known) this.ctx.state.setProfile(this.userId, { ...known, avatarUrl: mxc });
  }

  async setPresence(state: PresenceState, statusMsg?: string): Promise<void> {
    await this.ensureRegistered();
    await this.ctx.client.setPresence(this.userId, state, statusMsg);
  }

  async uploadContent(data: Buffer, contentType: string, filename?: string): Promise<string> {
    await this.ensureRegistered();
    return this.ctx.client.uploadMedia(data, contentType, { ...this.asUser, filename });
  }

  /**
   * Joins, registered and in the room per the caches, then acts. If the homeserver says the
   * caches are wrong, repairs once and acts again; a second failure is the caller's.
   */
  private async inRoom<T>(roomId: RoomId, action: () => Promise<T>): Promise<T> {
    await this.ensureJoined(roomId);
    try {
      return await action();
    } catch (err) {
      if (!this.isBot && (isMatrixError(err, 'M_UNKNOWN_TOKEN') || (isMatrixError(err, 'M_FORBIDDEN') && NOT_REGISTERED.test(err.serverMessage)))) {
        this.ctx.log.warn('The homeserver does not know this user any more; registering again', { userId: this.userId });
        this.ctx.state.setRegistered(this.userId, false);
        this.ctx.state.setJoined(this.userId, roomId, false);
      } else if (isMatrixError(err, 'M_FORBIDDEN') && NOT_IN_ROOM.test(err.serverMessage)) {
        this.ctx.log.debug('Not in the room any more; joining again', { userId: this.userId, roomId });
        this.ctx.state.setJoined(this.userId, roomId, false);
      } else {
        throw err;
      }
      await this.ensureJoined(roomId);
      return action();
    }
  }

  private async joinOrGetInvited(roomId: RoomId): Promise<void> {
    try {
      await this.ctx.client.join(roomId, this.asUser);
    } catch (err) {
      if (this.isBot || !isMatrixError(err, 'M_FORBIDDEN')) throw err;
      // Invite-only rooms: a ghost cannot join on its own, but the bot can let it in.
      this.ctx.log.debug('Ghost may not join; the bot invites it', { userId: this.userId, roomId });
      await this.ctx.bot().invite(roomId, this.userId);
      await this.ctx.client.join(roomId, this.asUser);
    }
    this.ctx.state.setJoined(this.userId, roomId, true);
  }

  private async updateProfile(wanted: Profile): Promise<void> {
    const { client, state } = this.ctx;
    const current = state.profileOf(this.userId) ?? (await client.getProfile(this.userId, this.asUser)) ?? {};
    const next = { ...current };
    // Each change makes the homeserver send a member event into every room of the user: only send real changes.
    if (wanted.displayName !== undefined && wanted.displayName !== current.displayName) {
      await client.setDisplayName(this.userId, wanted.displayName);
      next.displayName = wanted.displayName;
    }
    if (wanted.avatarUrl !== undefined && wanted.avatarUrl !== current.avatarUrl) {
      await client.setAvatarUrl(this.userId, wanted.avatarUrl);
      next.avatarUrl = wanted.avatarUrl;
    }
    state.setProfile(this.userId, next);
  }
}

function differs(known: Profile, wanted: Profile): boolean {
  return (wanted.displayName !== undefined && wanted.displayName !== known.displayName)
    || (wanted.avatarUrl !== undefined && wanted.avatarUrl !== known.avatarUrl);
}
