/**
 * One IRC message text → Matrix message fields: a plain `body` without formatting codes and,
 * only when there is something to show (formatting, a link or a mention), an HTML
 * `formatted_body` that uses only tags the Matrix spec allows (b, i, u, del, code, a, font with
 * data-mx-color / data-mx-bg-color). Which words become pills is mentions.ts's decision.
 */
import type { UserId } from '@bridgekit/appservice';
import { mircColourHex } from './colours';
import { findMentions, type MentionRules, type MentionSpan, type MentionTarget } from './mentions';
import { applyCode, isStyled, PLAIN, sameStyle, tokenizeMirc, type MircColour, type MircStyle } from './mirc';

/**
 * The Matrix side of one IRC message. `body`/`formatted_body` are named as in the event content
 * (format `org.matrix.custom.html`); `mentions` feeds `m.mentions.user_ids`.
 */
export interface MatrixText {
  body: string;
  formatted_body?: string;
  mentions: UserId[];
}

interface Run {
  style: MircStyle;
  text: string;
}

// C0 controls other than tab, DEL and C1 controls: never meaningful in a chat message.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const URL = /\bhttps?:\/\/[^\s<>"\x00-\x1f]+/gi;

/**
 * `mentions` is `m.mentions.user_ids`: exactly the users that got a pill (a nick that spans two
 * formatting runs, or sits inside a URL, stays text and is not listed).
 */
export function ircToMatrix(text: string, rules?: MentionRules): MatrixText {
  const runs = toRuns(text);
  const body = runs.map((r) => r.text).join('');
  const spans = rules ? findMentions(body, rules) : [];
  const mentions = new Set<UserId>();
  let needsHtml = false;
  let html = '';
  let at = 0;
  for (const run of runs) {
    const rendered = renderInline(run.text, at, spans, mentions);
    needsHtml ||= rendered.special || isStyled(run.style);
    html += wrap(rendered.html, run.style);
    at += run.text.length;
  }
  const result: MatrixText = { body, mentions: [...mentions] };
  if (needsHtml) result.formatted_body = html;
  return result;
}

function toRuns(text: string): Run[] {
  const runs: Run[] = [];
  let style = PLAIN;
  for (const token of tokenizeMirc(text)) {
    if (token.type === 'code') {
      style = applyCode(style, token.code);
      continue;
    }
    const clean = token.text.replace(CONTROL, '');
    if (!clean) continue;
    const last = runs[runs.length - 1];
    if (last && sameStyle(last.style, style)) last.text += clean;
    else runs.push({ style, text: clean });
  }
  return runs;
}

/** Escapes text for HTML element content and attribute values. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** A matrix.to link for a user: `@` and `:` stay readable, anything odd is percent-encoded. */
export function userPermalink(userId: UserId): string {
  return `https://matrix.to/#/${encodeURIComponent(userId).replace(/%40/g, '@').replace(/%3A/gi, ':')}`;
}

/** One run's HTML; `at` is where the run starts in the message's plain text. */
function renderInline(text: string, at: number, spans: readonly MentionSpan[], mentions: Set<UserId>): { html: string; special: boolean } {
  let html = '';
  let special = false;
  let last = 0;
  for (const match of text.matchAll(URL)) {
    const url = trimUrl(match[0]);
    const start = match.index ?? 0;
    const words = renderPills(text.slice(last, start), at + last, spans, mentions);
    html += words.html + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    special = true;
    last = start + url.length;
  }
  const rest = renderPills(text.slice(last), at + last, spans, mentions);
  return { html: html + rest.html, special: special || rest.special };
}

/** Drops trailing punctuation that ends a sentence rather than the URL; keeps balanced ')'. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0) {
    const ch = url[end - 1] as string;
    if ('.,;:!?\'"'.includes(ch)) end--;
    else if (ch === ')' && count(url.slice(0, end), '(') < count(url.slice(0, end), ')')) end--;
    else break;
  }
  return url.slice(0, end);
}

function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

/** Text starting at `at` in the plain text, with the mentions that lie wholly inside it as pills. */
function renderPills(text: string, at: number, spans: readonly MentionSpan[], mentions: Set<UserId>): { html: string; special: boolean } {
  let html = '';
  let special = false;
  let last = 0;
  for (const span of spans) {
    const start = span.start - at;
    const end = span.end - at;
    if (start < last || end > text.length) continue; // elsewhere, or cut by a run or URL boundary
    html += escapeHtml(text.slice(last, start)) + pill(span.target);
    mentions.add(span.target.userId);
    special = true;
    last = end;
  }
  return { html: html + escapeHtml(text.slice(last)), special };
}

function pill(target: MentionTarget): string {
  return `<a href="${escapeHtml(userPermalink(target.userId))}">${escapeHtml(target.displayName)}</a>`;
}

function colourCss(colour: MircColour | undefined): string | undefined {
  if (colour === undefined) return undefined;
  return 'index' in colour ? mircColourHex(colour.index) : `#${colour.hex}`;
}

function wrap(html: string, style: MircStyle): string {
  if (!html) return html;
  let out = html;
  if (style.monospace) out = `<code>${out}</code>`;
  if (style.strikethrough) out = `<del>${out}</del>`;
  if (style.underline) out = `<u>${out}</u>`;
  if (style.italic) out = `<i>${out}</i>`;
  if (style.bold) out = `<b>${out}</b>`;
  const fg = colourCss(style.fg);
  const bg = colourCss(style.bg);
  if (fg || bg) {
    const attrs = `${fg ? ` data-mx-color="${fg}"` : ''}${bg ? ` data-mx-bg-color="${bg}"` : ''}`;
    out = `<font${attrs}>${out}</font>`;
  }
  return out;
}
