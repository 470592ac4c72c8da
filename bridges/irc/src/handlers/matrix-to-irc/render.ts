/**
 * One Matrix message → the text an IRC user sees. Pure (lookups are passed in), so every shape
 * is table-tested: text/notice/emote with HTML → mIRC codes, replies as a short quote, edits as
 * a correction line, media and stickers as links. Line breaks stay '\n' here; the connection
 * splits them into separate lines and no CR/LF/NUL can reach the wire (IrcConnection).
 */
import type { MessageContent } from '@bridgekit/appservice';
import type { MessagesConfig } from '../../config/types';
import { matrixToIrc, type FormattingCodes, type PillLookup } from '../../format/matrix-to-irc';
import { isBlank } from '../../format/blank';
import type { MessageRef } from '../message-refs';

export interface RenderContext {
  pillNick: PillLookup;
  /** What is known about a replied-to event. */
  quoteOf(eventId: string): MessageRef | undefined;
  /** A link IRC users can open for an mxc:// URI. */
  mediaLink(mxc: string, filename?: string): string | undefined;
  templates: Pick<MessagesConfig, 'replyTemplate' | 'replyQuoteLength' | 'editTemplate'>;
  /** Which styles go as control codes (the network's `messages.formatting`); default neither. */
  codes?: FormattingCodes;
}

export interface IrcOutgoing {
  kind: 'say' | 'notice' | 'action';
  /** With mIRC codes and '\n' between lines. */
  text: string;
  /**
   * What the sender said, without the reply quote or edit template around it (and without the
   * reply fallback, which is never rendered): what a later reply to this message quotes.
   */
  said: string;
}

const MEDIA = new Set(['m.image', 'm.file', 'm.audio', 'm.video']);

/**
 * `eventType` is 'm.room.message' or 'm.sticker'. Undefined when there is nothing to send: the
 * text would show as nothing on IRC (format/blank.ts).
 */
export function renderForIrc(eventType: string, content: MessageContent, ctx: RenderContext): IrcOutgoing | undefined {
  const relation = content['m.relates_to'];
  const replacement = content['m.new_content'];
  if (relation?.rel_type === 'm.replace' && replacement && typeof replacement === 'object') {
    const edited = renderBody(eventType, replacement, ctx);
    if (!edited) return undefined;
    return { kind: kindOf(replacement.msgtype), text: fill(ctx.templates.editTemplate, { NEW: edited }), said: edited };
  }
  const said = renderBody(eventType, content, ctx);
  if (said === undefined) return undefined;
  let text = said;
  const repliedTo = relation?.['m.in_reply_to']?.event_id;
  if (typeof repliedTo === 'string') {
    const ref = ctx.quoteOf(repliedTo);
    if (ref) text = fill(ctx.templates.replyTemplate, { NICK: ref.nick, QUOTE: shorten(ref.excerpt, ctx.templates.replyQuoteLength), REPLY: said });
  }
  return { kind: eventType === 'm.sticker' ? 'say' : kindOf(content.msgtype), text, said };
}

function renderBody(eventType: string, content: MessageContent, ctx: RenderContext): string | undefined {
  const body = typeof content.body === 'string' ? content.body : '';
  if (eventType === 'm.sticker') {
    const link = typeof content.url === 'string' ? ctx.mediaLink(content.url, 'sticker') : undefined;
    return link ? `sent a sticker: ${body ? `${body} ` : ''}${link}` : `sent a sticker: ${body}`;
  }
  const msgtype = content.msgtype;
  if (MEDIA.has(msgtype)) {
    const filename = typeof content.filename === 'string' && content.filename ? content.filename : body;
    const caption = filename !== body && body ? body : undefined;
    const link = typeof content.url === 'string' ? ctx.mediaLink(content.url, filename) : undefined;
    if (!link) return `${body} (an encrypted or unreadable file the bridge cannot link to)`;
    return caption ? `${caption} ${link}` : link;
  }
  if (msgtype === 'm.location') {
    const geo = typeof content.geo_uri === 'string' ? content.geo_uri : '';
    const text = [body, geo].filter((part) => !isBlank(part)).join(' ');
    return text || undefined;
  }
  const isReply = typeof content['m.relates_to']?.['m.in_reply_to']?.event_id === 'string';
  const text = matrixToIrc(content, { pillNick: ctx.pillNick, isReply, ...(ctx.codes ? { codes: ctx.codes } : {}) });
  return isBlank(text) ? undefined : text;
}

function kindOf(msgtype: string | undefined): IrcOutgoing['kind'] {
  return msgtype === 'm.emote' ? 'action' : msgtype === 'm.notice' ? 'notice' : 'say';
}

/** Replaces $NAME variables; `$` in the values is literal (no replacement patterns). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\$([A-Z]+)/g, (match, name: string) => values[name] ?? match);
}

/** At most `max` characters, with an ellipsis when cut; never splits a surrogate pair. */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return max <= 1 ? chars.slice(0, max).join('') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
