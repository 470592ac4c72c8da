/**
 * The Matrix events bridges act on, as one discriminated union (`kind`). `parseEvent` builds
 * them from a pushed event, checking the content's shape once at the boundary: a handler that
 * receives a `MessageEvent` of msgtype `m.image` can rely on `url` being a string. Anything else
 * (an unknown type, or content that does not have the shape the spec requires) is a `RawEvent`.
 * Every typed event keeps the pushed event in `raw`, for the fields this file does not lift out.
 */
import type { EventId, RoomId, UserId } from '../ids';
import type { MatrixEvent, MessageContent } from './matrix-event';

/** What every typed event has. */
export interface EventBase {
  eventId: EventId;
  roomId: RoomId;
  sender: UserId;
  originServerTs: number;
  /** The event as pushed (content, unsigned, ... untouched). */
  raw: MatrixEvent;
}

/** `m.mentions`: who the sender meant to notify (absent when the client sent none). */
export interface Mentions {
  userIds: UserId[];
  /** `@room`. */
  room: boolean;
}

/** The formatted body, when the sender's client sent one (usually HTML). */
export interface FormattedBody {
  /** e.g. `org.matrix.custom.html`. */
  format: string;
  body: string;
}

/** A message's visible part, shared by new messages and the new content of edits. */
export type MessageBody =
  | { msgtype: 'm.text' | 'm.notice' | 'm.emote'; body: string; formatted?: FormattedBody }
  | {
    msgtype: 'm.image' | 'm.file' | 'm.audio' | 'm.video' | 'm.sticker';
    /** The caption or file name clients fall back to. */
    body: string;
    /** `mxc://` URI. Media in encrypted rooms (which have `file` instead) is not a typed message. */
    url: string;
    /** The file name, when the body is a caption (`filename` in the content). */
    filename?: string;
    mimetype?: string;
    size?: number;
    info: Record<string, unknown>;
  }
  | { msgtype: 'm.location'; body: string; geoUri: string };

/** The msgtypes a `MessageEvent` can have. Stickers (`m.sticker` events) get msgtype `m.sticker`. */
export type MsgType = MessageBody['msgtype'];

/** A new message (not an edit), by msgtype. */
export type MessageEvent = EventBase & MessageBody & {
  kind: 'message';
  /** The event this one replies to (`m.relates_to.m.in_reply_to`). */
  replyTo?: EventId;
  /** The thread root, for messages in a thread (`rel_type: m.thread`). */
  threadRoot?: EventId;
  mentions?: Mentions;
  /** The content as sent, typed loosely, for fields not lifted out above. */
  content: MessageContent;
};

/** An edit (`rel_type: m.replace`) of an earlier message. */
export interface EditEvent extends EventBase {
  kind: 'edit';
  /** The message being edited. */
  target: EventId;
  /** What the message says now (`m.new_content`). */
  newContent: MessageBody;
  /** The mentions of the new content (the edit's own are only for notifying). */
  mentions?: Mentions;
}

/** A redaction: `redacts` in the content (room v11+) or at the top level (earlier versions). */
export interface RedactionEvent extends EventBase {
  kind: 'redaction';
  redacts: EventId;
  reason?: string;
}

/** A reaction (`m.reaction` with `rel_type: m.annotation`). */
export interface ReactionEvent extends EventBase {
  kind: 'reaction';
  target: EventId;
  /** The emoji (or text) reacted with. */
  key: string;
}

/** A user's membership in a room, as `m.room.member` states it. */
export type Membership = 'join' | 'leave' | 'invite' | 'ban' | 'knock';

/**
 * What a membership event did, worked out from the new membership, the previous one and who sent
 * it: a leave sent by someone else is a kick (or an unban, or a withdrawn invite); a join after
 * a join is a profile change.
 */
export type MembershipAction =
  | 'join' | 'profile' | 'leave' | 'kick' | 'ban' | 'unban' | 'invite' | 'uninvite' | 'reject' | 'knock';

export interface MembershipEvent extends EventBase {
  kind: 'membership';
  /** Whose membership changed (the state key). */
  userId: UserId;
  membership: Membership;
  action: MembershipAction;
  /** From `unsigned.prev_content`, when the homeserver sent it. */
  prevMembership?: Membership;
  displayName?: string;
  avatarUrl?: string;
  reason?: string;
}

/** A room's topic, name or avatar was set (or removed: an empty value). */
export type RoomStateEvent = EventBase & { kind: 'roomState' } & (
  | { field: 'topic'; topic: string }
  | { field: 'name'; name: string }
  | { field: 'avatar'; url?: string }
);

/**
 * Encryption: turned on in the room (`m.room.encryption` state), or an encrypted event arrived
 * (`m.room.encrypted`: it may have been turned on while the bridge was not listening).
 */
export interface EncryptionEvent extends EventBase {
  kind: 'encryption';
  source: 'state' | 'event';
  algorithm?: string;
}

/** The room was upgraded: its successor is `replacementRoom`. */
export interface TombstoneEvent extends EventBase {
  kind: 'tombstone';
  replacementRoom: RoomId;
  body: string;
}

/** Any other event, or one whose content did not have the shape its type requires. */
export interface RawEvent extends EventBase {
  kind: 'raw';
  /** Why it is not typed: a type this file does not model, or content of the wrong shape. */
  reason: 'unknown' | 'malformed';
}

/** Every typed Matrix event a connector can receive, told apart by `kind`. */
export type BridgeEvent =
  | MessageEvent | EditEvent | RedactionEvent | ReactionEvent | MembershipEvent
  | RoomStateEvent | EncryptionEvent | TombstoneEvent | RawEvent;

/** The `kind` of a `BridgeEvent`, e.g. `message` or `redaction`. */
export type BridgeEventKind = BridgeEvent['kind'];

/** The typed event of one kind, e.g. `EventOfKind<'edit'>` is `EditEvent`. */
export type EventOfKind<K extends BridgeEventKind> = Extract<BridgeEvent, { kind: K }>;

export const isMessage = (e: BridgeEvent): e is MessageEvent => e.kind === 'message';
export const isEdit = (e: BridgeEvent): e is EditEvent => e.kind === 'edit';
export const isRedaction = (e: BridgeEvent): e is RedactionEvent => e.kind === 'redaction';
export const isReaction = (e: BridgeEvent): e is ReactionEvent => e.kind === 'reaction';
export const isMembership = (e: BridgeEvent): e is MembershipEvent => e.kind === 'membership';
export const isRoomState = (e: BridgeEvent): e is RoomStateEvent => e.kind === 'roomState';
export const isEncryption = (e: BridgeEvent): e is EncryptionEvent => e.kind === 'encryption';
export const isTombstone = (e: BridgeEvent): e is TombstoneEvent => e.kind === 'tombstone';
export const isRaw = (e: BridgeEvent): e is RawEvent => e.kind === 'raw';

/** Text, notice or emote (`formatted` may be set). */
export function isTextMessage(e: BridgeEvent): e is MessageEvent & { msgtype: 'm.text' | 'm.notice' | 'm.emote' } {
  return e.kind === 'message' && (e.msgtype === 'm.text' || e.msgtype === 'm.notice' || e.msgtype === 'm.emote');
}

/** Image, file, audio, video or sticker (`url` is set). */
export function isMediaMessage(e: BridgeEvent): e is MessageEvent & { msgtype: 'm.image' | 'm.file' | 'm.audio' | 'm.video' | 'm.sticker'; url: string } {
  return e.kind === 'message' && 'url' in e;
}
