/**
 * How a bridge tells a Matrix user something in a room (their event failed, the bridge does not
 * carry that kind, a refusal from the network): an m.notice that mentions them, so they are
 * notified and everyone else sees whom it concerns, replying to their event when there is one.
 * The text is a sentence for users (an error's `userMessage`); details belong in the log.
 */
import type { MatrixEvent } from '../events';
import type { EventId, RoomId, UserId } from '../ids';
import type { Intent } from '../intent/types';

/** Whom a notice is for: the room, the user, and the event it answers. */
export interface NoticeTarget {
  roomId: RoomId;
  userId: UserId;
  /** The user's event the notice is about: the notice replies to it. */
  replyTo?: EventId;
}

/** Sends "`userId`: `text`" as `speaker`, mentioning the user. */
export async function tellUser(speaker: Intent, to: NoticeTarget, text: string): Promise<EventId> {
  return speaker.sendMessage(to.roomId, {
    msgtype: 'm.notice',
    body: `${to.userId}: ${text}`,
    format: 'org.matrix.custom.html',
    formatted_body: `<a href="${escapeHtml(userPermalink(to.userId))}">${escapeHtml(to.userId)}</a>: ${escapeHtml(text)}`,
    'm.mentions': { user_ids: [to.userId] },
    ...(to.replyTo ? { 'm.relates_to': { 'm.in_reply_to': { event_id: to.replyTo } } } : {}),
  });
}

/** Tells the sender of `event` about it. */
export async function tellSender(speaker: Intent, event: MatrixEvent, text: string): Promise<void> {
  await tellUser(speaker, { roomId: event.roomId, userId: event.sender, replyTo: event.eventId }, text);
}

/** A matrix.to link for a user: `@` and `:` stay readable, anything odd is percent-encoded. */
function userPermalink(userId: UserId): string {
  return `https://matrix.to/#/${encodeURIComponent(userId).replace(/%40/g, '@').replace(/%3A/gi, ':')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
