/**
 * Pushed event → typed event. Content comes from any client and is checked here, once: a field
 * of the wrong type makes the whole event a `RawEvent` ('malformed'), never a throw, so a handler
 * of a typed event never meets a shape the spec does not allow. Optional fields of the wrong type
 * (a non-string display name) are dropped rather than rejecting the event.
 */
import { isRoomId, isUserId, type EventId, type RoomId, type UserId } from '../ids';
import type { MatrixEvent, MessageContent } from './matrix-event';
import type {
  BridgeEvent, EventBase, FormattedBody, Membership, MembershipAction, MembershipEvent, Mentions, MessageBody, RawEvent,
} from './typed';

type Content = Record<string, unknown>;

const TEXT_TYPES = new Set(['m.text', 'm.notice', 'm.emote']);
const MEDIA_TYPES = new Set(['m.image', 'm.file', 'm.audio', 'm.video']);
const MEMBERSHIPS = new Set<Membership>(['join', 'leave', 'invite', 'ban', 'knock']);

/** The typed form of a pushed event; a `RawEvent` when it is none of the modelled kinds. */
export function parseEvent(event: MatrixEvent): BridgeEvent {
  const base: EventBase = { eventId: event.eventId, roomId: event.roomId, sender: event.sender, originServerTs: event.originServerTs, raw: event };
  const content = isObject(event.content) ? event.content : undefined;
  if (!content) return raw(base, 'malformed');
  switch (event.type) {
    case 'm.room.message':
    case 'm.sticker':
      return messageOrEdit(base, event.type, content);
    case 'm.room.redaction': {
      const redacts = str(content.redacts) ?? event.redacts;
      if (!redacts) return raw(base, 'malformed');
      return { ...base, kind: 'redaction', redacts: redacts as EventId, ...opt('reason', str(content.reason)) };
    }
    case 'm.reaction': {
      const rel = isObject(content['m.relates_to']) ? content['m.relates_to'] : undefined;
      const target = str(rel?.event_id);
      const key = str(rel?.key);
      if (rel?.rel_type !== 'm.annotation' || !target || key === undefined) return raw(base, 'malformed');
      return { ...base, kind: 'reaction', target: target as EventId, key };
    }
    case 'm.room.member':
      return membership(base, event, content);
    case 'm.room.topic':
    case 'm.room.name':
    case 'm.room.avatar':
      return roomState(base, event, content);
    case 'm.room.encryption':
      if (event.stateKey !== '') return raw(base, 'malformed');
      return { ...base, kind: 'encryption', source: 'state', ...opt('algorithm', str(content.algorithm)) };
    case 'm.room.encrypted':
      return { ...base, kind: 'encryption', source: 'event', ...opt('algorithm', str(content.algorithm)) };
    case 'm.room.tombstone': {
      const replacement = content.replacement_room;
      if (event.stateKey !== '' || typeof replacement !== 'string' || !isRoomId(replacement)) return raw(base, 'malformed');
      return { ...base, kind: 'tombstone', replacementRoom: replacement as RoomId, body: str(content.body) ?? '' };
    }
    default:
      return raw(base, 'unknown');
  }
}

function messageOrEdit(base: EventBase, type: string, content: Content): BridgeEvent {
  const rel = isObject(content['m.relates_to']) ? content['m.relates_to'] : undefined;
  if (type === 'm.room.message' && rel?.rel_type === 'm.replace') {
    const target = str(rel.event_id);
    const newContent = isObject(content['m.new_content']) ? content['m.new_content'] : undefined;
    const body = newContent && messageBody(type, newContent);
    if (!target || !newContent || !body) return raw(base, 'malformed');
    if (body === 'unknown') return raw(base, 'unknown');
    return { ...base, kind: 'edit', target: target as EventId, newContent: body, ...opt('mentions', mentionsOf(newContent)) };
  }
  const body = messageBody(type, content);
  if (!body || body === 'unknown') return raw(base, body === 'unknown' ? 'unknown' : 'malformed');
  const inReplyTo = isObject(rel?.['m.in_reply_to']) ? str(rel['m.in_reply_to'].event_id) : undefined;
  const thread = rel?.rel_type === 'm.thread' ? str(rel.event_id) : undefined;
  // In a thread, `m.in_reply_to` is only a fallback for clients without threads unless is_falling_back is false.
  const replyTo = thread && rel?.is_falling_back === true ? undefined : inReplyTo;
  return {
    ...base,
    ...body,
    kind: 'message',
    content: content as MessageContent,
    ...opt('replyTo', replyTo as EventId | undefined),
    ...opt('threadRoot', thread as EventId | undefined),
    ...opt('mentions', mentionsOf(content)),
  };
}

/** The visible part of a message; 'unknown' for a msgtype this file does not model; undefined when malformed. */
function messageBody(type: string, content: Content): MessageBody | 'unknown' | undefined {
  const body = str(content.body);
  if (type === 'm.sticker') {
    const url = str(content.url);
    return body !== undefined && url ? { msgtype: 'm.sticker', body, url, info: infoOf(content), ...fileFields(content) } : undefined;
  }
  const msgtype = content.msgtype;
  if (typeof msgtype !== 'string' || body === undefined) return undefined;
  if (TEXT_TYPES.has(msgtype)) {
    return { msgtype: msgtype as 'm.text' | 'm.notice' | 'm.emote', body, ...opt('formatted', formattedOf(content)) };
  }
  if (MEDIA_TYPES.has(msgtype)) {
    // Encrypted media has `file` instead of `url`: not something this bridge can fetch.
    const url = str(content.url);
    if (!url) return undefined;
    return { msgtype: msgtype as 'm.image' | 'm.file' | 'm.audio' | 'm.video', body, url, info: infoOf(content), ...fileFields(content) };
  }
  if (msgtype === 'm.location') {
    const geoUri = str(content.geo_uri);
    return geoUri ? { msgtype: 'm.location', body, geoUri } : undefined;
  }
  return 'unknown';
}

function membership(base: EventBase, event: MatrixEvent, content: Content): BridgeEvent {
  const userId = event.stateKey;
  const value = content.membership;
  if (userId === undefined || !isUserId(userId) || !isMembership(value)) return raw(base, 'malformed');
  const prevContent = isObject(event.unsigned?.prev_content) ? event.unsigned.prev_content : undefined;
  const prev = isMembership(prevContent?.membership) ? prevContent.membership : undefined;
  const typed: MembershipEvent = {
    ...base,
    kind: 'membership',
    userId: userId as UserId,
    membership: value,
    action: actionOf(value, prev, event.sender === userId),
    ...opt('prevMembership', prev),
    ...opt('displayName', str(content.displayname)),
    ...opt('avatarUrl', str(content.avatar_url)),
    ...opt('reason', str(content.reason)),
  };
  return typed;
}

/** What the change did; `bySelf`: the sender is the member. */
export function actionOf(membership: Membership, prev: Membership | undefined, bySelf: boolean): MembershipAction {
  switch (membership) {
    case 'join':
      return prev === 'join' ? 'profile' : 'join';
    case 'leave':
      if (bySelf) return prev === 'invite' ? 'reject' : 'leave';
      if (prev === 'ban') return 'unban';
      return prev === 'invite' ? 'uninvite' : 'kick';
    default:
      return membership;
  }
}

function roomState(base: EventBase, event: MatrixEvent, content: Content): BridgeEvent {
  if (event.stateKey !== '') return raw(base, 'malformed');
  // A removed topic or name arrives as an empty string, or (after a redaction) without the field.
  if (event.type === 'm.room.topic') {
    const topic = content.topic ?? '';
    return typeof topic === 'string' ? { ...base, kind: 'roomState', field: 'topic', topic } : raw(base, 'malformed');
  }
  if (event.type === 'm.room.name') {
    const name = content.name ?? '';
    return typeof name === 'string' ? { ...base, kind: 'roomState', field: 'name', name } : raw(base, 'malformed');
  }
  if (content.url !== undefined && typeof content.url !== 'string') return raw(base, 'malformed');
  return { ...base, kind: 'roomState', field: 'avatar', ...opt('url', str(content.url) || undefined) };
}

function mentionsOf(content: Content): Mentions | undefined {
  const mentions = content['m.mentions'];
  if (!isObject(mentions)) return undefined;
  const ids = Array.isArray(mentions.user_ids) ? mentions.user_ids : [];
  return { userIds: ids.filter((id): id is UserId => typeof id === 'string' && isUserId(id)), room: mentions.room === true };
}

function formattedOf(content: Content): FormattedBody | undefined {
  const format = str(content.format);
  const body = str(content.formatted_body);
  return format && body !== undefined ? { format, body } : undefined;
}

function infoOf(content: Content): Record<string, unknown> {
  return isObject(content.info) ? content.info : {};
}

function fileFields(content: Content): { filename?: string; mimetype?: string; size?: number } {
  const info = infoOf(content);
  const size = typeof info.size === 'number' && Number.isFinite(info.size) && info.size >= 0 ? info.size : undefined;
  return { ...opt('filename', str(content.filename)), ...opt('mimetype', str(info.mimetype)), ...opt('size', size) };
}

function raw(base: EventBase, reason: RawEvent['reason']): RawEvent {
  return { ...base, kind: 'raw', reason };
}

function isMembership(value: unknown): value is Membership {
  return typeof value === 'string' && MEMBERSHIPS.has(value as Membership);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `{ key: value }` when value is defined, else `{}`: keeps absent fields absent (exactOptionalPropertyTypes). */
function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
