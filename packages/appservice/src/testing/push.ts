/**
 * What the homeserver pushes to the bridge: each helper records the event in the homeserver's
 * room (so state reads and membership checks agree with what was pushed), then sends it in a
 * transaction to the bridge's listener with the `hs_token`, as Synapse does.
 */
import type { EventId, RoomId, UserId } from '../ids';
import type { FakeHomeserver } from './homeserver/server';
import { plainRequest } from './http-client';
import type { Membership, StoredEvent } from './homeserver/rooms';

/** An event to push, in the core's camelCase; what is left out is filled in. */
export interface PushEvent {
  roomId: RoomId;
  sender: UserId;
  type: string;
  content: Record<string, unknown>;
  stateKey?: string;
  redacts?: EventId;
  eventId?: EventId;
  unsigned?: Record<string, unknown>;
  /** When the sender's server says it was sent; default the clock's now (set it to push an old event). */
  originServerTs?: number;
}

/** How the bridge answered a transaction. */
export interface TransactionResult {
  txnId: string;
  status: number;
  body: unknown;
}

/** Where `PushHelpers` push to (made by `createTestBridge`). */
export interface PushTarget {
  homeserver: FakeHomeserver;
  /** The bridge's appservice listener, e.g. `http://127.0.0.1:40123`. */
  url(): string;
  hsToken: string;
  now(): number;
  /** Counts pushes in flight, so `settle()` waits for them. */
  track<T>(work: Promise<T>): Promise<T>;
}

let txnCounter = 0;

/** Pushes events to the bridge as the homeserver does; see `TestBridge.push`. */
export class PushHelpers {
  constructor(private readonly target: PushTarget) {}

  /**
   * One transaction of raw wire events (snake_case, as the spec defines them) and ephemeral
   * events, exactly as given: for malformed input and edge cases. Returns the bridge's answer.
   */
  async transaction(events: unknown[], opts: { ephemeral?: unknown[]; txnId?: string } = {}): Promise<TransactionResult> {
    const txnId = opts.txnId ?? `kit${Date.now().toString(36)}.${++txnCounter}`;
    const body = { events, ...(opts.ephemeral ? { 'de.sorunome.msc2409.ephemeral': opts.ephemeral, ephemeral: opts.ephemeral } : {}) };
    return this.target.track((async () => {
      const res = await plainRequest(`${this.target.url()}/_matrix/app/v1/transactions/${encodeURIComponent(txnId)}`, 'PUT', {
        authorization: `Bearer ${this.target.hsToken}`, 'content-type': 'application/json',
      }, JSON.stringify(body));
      return { txnId, status: res.status, body: res.text ? (JSON.parse(res.text) as unknown) : undefined };
    })());
  }

  /** Records the event in its room and pushes it; resolves with its ID once the bridge accepted it. */
  async event(event: PushEvent): Promise<EventId> {
    const stored = this.record(event);
    const wire: Record<string, unknown> = { ...stored };
    if (event.unsigned) wire.unsigned = event.unsigned;
    await this.accepted(await this.transaction([wire]));
    return stored.event_id;
  }

  /** A text message (`m.text`), or any message content. */
  message(roomId: RoomId, sender: UserId, body: string | Record<string, unknown>): Promise<EventId> {
    const content = typeof body === 'string' ? { msgtype: 'm.text', body } : body;
    return this.event({ roomId, sender, type: 'm.room.message', content });
  }

  /** A state event. */
  state(roomId: RoomId, sender: UserId, type: string, stateKey: string, content: Record<string, unknown>): Promise<EventId> {
    return this.event({ roomId, sender, type, stateKey, content });
  }

  /** `userId`'s membership changes (by `opts.by`, default themselves). */
  membership(roomId: RoomId, userId: UserId, membership: Membership, opts: { by?: UserId; displayName?: string; reason?: string } = {}): Promise<EventId> {
    const content: Record<string, unknown> = {
      membership,
      ...(opts.displayName !== undefined ? { displayname: opts.displayName } : {}),
      ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    };
    return this.event({ roomId, sender: opts.by ?? userId, type: 'm.room.member', stateKey: userId, content });
  }

  /** An edit (`m.replace`) of `target`, as clients send it: a fallback body and `m.new_content`. */
  edit(roomId: RoomId, sender: UserId, target: EventId, body: string): Promise<EventId> {
    return this.message(roomId, sender, {
      msgtype: 'm.text', body: `* ${body}`,
      'm.new_content': { msgtype: 'm.text', body },
      'm.relates_to': { rel_type: 'm.replace', event_id: target },
    });
  }

  /** A reaction (`m.annotation`) with `key` (usually an emoji) to `target`. */
  reaction(roomId: RoomId, sender: UserId, target: EventId, key: string): Promise<EventId> {
    return this.event({ roomId, sender, type: 'm.reaction', content: { 'm.relates_to': { rel_type: 'm.annotation', event_id: target, key } } });
  }

  /** A redaction of `redacts` by `sender`. */
  redaction(roomId: RoomId, sender: UserId, redacts: EventId, reason?: string): Promise<EventId> {
    return this.event({ roomId, sender, type: 'm.room.redaction', redacts, content: { redacts, ...(reason ? { reason } : {}) } });
  }

  /** Who is typing in a room now (an ephemeral `m.typing`; the bridge's registration must receive ephemeral events). */
  async typing(roomId: RoomId, userIds: UserId[]): Promise<void> {
    await this.accepted(await this.transaction([], { ephemeral: [{ type: 'm.typing', room_id: roomId, content: { user_ids: userIds } }] }));
  }

  private record(event: PushEvent): StoredEvent {
    const { model } = this.target.homeserver;
    model.addUser(event.sender);
    // A room the test never created exists all the same: public, made by the sender.
    if (!model.rooms.has(event.roomId)) model.createRoom(event.sender, { preset: 'public_chat' }, event.roomId);
    const room = model.room(event.roomId);
    if (event.stateKey !== undefined && event.type === 'm.room.member') model.addUser(event.stateKey as UserId);
    const stored = model.append(room, event.sender, event.type, event.content, event.stateKey, event.redacts, event.eventId);
    if (event.originServerTs !== undefined) stored.origin_server_ts = event.originServerTs;
    return stored;
  }

  private async accepted(result: TransactionResult): Promise<void> {
    if (result.status !== 200) {
      throw new Error(`The bridge answered transaction ${result.txnId} with ${result.status}: ${JSON.stringify(result.body)}`);
    }
  }
}
