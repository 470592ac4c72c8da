/**
 * How the core tells a Matrix user something about their own event (it failed, or the bridge
 * does not carry that kind): an m.notice replying to the event that mentions the sender, so they
 * are notified and everyone else in the room sees whom it concerns. The text is a sentence for
 * users (an error's `userMessage`); details belong in the log, never here.
 */
import type { MatrixEvent } from '../events';
import type { Intent } from '../intent/types';

export async function tellSender(speaker: Intent, event: MatrixEvent, text: string): Promise<void> {
  await speaker.sendMessage(event.roomId, {
    msgtype: 'm.notice',
    body: `${event.sender}: ${text}`,
    format: 'org.matrix.custom.html',
    formatted_body: `<a href="https://matrix.to/#/${encodeURIComponent(event.sender)}">${escapeHtml(event.sender)}</a>: ${escapeHtml(text)}`,
    'm.mentions': { user_ids: [event.sender] },
    'm.relates_to': { 'm.in_reply_to': { event_id: event.eventId } },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
