/**
 * One IRC message → the content of one Matrix event. Pure, so the translation is table-tested
 * without a network: PRIVMSG → m.text, NOTICE → m.notice, CTCP ACTION → m.emote; mIRC codes
 * become HTML, nicks of channel members become pills by format/mentions.ts's rules (`m.mentions`
 * lists exactly the pilled users).
 */
import type { EventId } from '@bridgekit/appservice';
import { ircToMatrix } from '../../format/irc-to-matrix';
import type { MentionRules } from '../../format/mentions';
import type { IrcMessageEvent } from '../../irc/events';

const MSGTYPE: Record<IrcMessageEvent['kind'], string> = { privmsg: 'm.text', notice: 'm.notice', action: 'm.emote' };

export function ircMessageContent(kind: IrcMessageEvent['kind'], text: string, mentions?: MentionRules, inReplyTo?: EventId): Record<string, unknown> {
  const rendered = ircToMatrix(text, mentions);
  const content: Record<string, unknown> = { msgtype: MSGTYPE[kind], body: rendered.body };
  if (rendered.formatted_body !== undefined) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = rendered.formatted_body;
  }
  content['m.mentions'] = rendered.mentions.length > 0 ? { user_ids: rendered.mentions } : {};
  if (inReplyTo) content['m.relates_to'] = { 'm.in_reply_to': { event_id: inReplyTo } };
  return content;
}

/** The msgid an IRCv3 client replied to (`+draft/reply`, or the ratified `+reply`). */
export function replyTag(tags: Readonly<Record<string, string>>): string | undefined {
  return tags['+reply'] ?? tags['+draft/reply'];
}
