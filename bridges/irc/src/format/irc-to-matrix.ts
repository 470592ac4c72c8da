/**
 * One IRC message text → Matrix message fields: a plain `body` without formatting codes and,
 * only when there is something to show (formatting, a link or a mention), an HTML
 * `formatted_body` that uses only tags the Matrix spec allows (b, i, u, del, code, a, font with
 * data-mx-color / data-mx-bg-color).
 */
import type { UserId } from '@bridgekit/appservice';
import { mircColourHex } from './colours';
import { applyCode, isStyled, PLAIN, sameStyle, tokenizeMirc, type MircColour, type MircStyle } from './mirc';

/** Who a word in the message refers to, when it is the nick of a user in the room. */
export interface MentionTarget {
  userId: UserId;
  displayName: string;
}

/** Looks a word up as a nick; return undefined for words that are not nicks in the room. */
export type MentionLookup = (word: string) => MentionTarget | undefined;

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

export function ircToMatrix(text: string, lookup?: MentionLookup): MatrixText {
  const runs = toRuns(text);
  const body = runs.map((r) => r.text).join('');
  const mentions = new Set<UserId>();
  let needsHtml = false;
  let html = '';
  for (const run of runs) {
    const rendered = renderInline(run.text, lookup, mentions);
    needsHtml ||= rendered.special || isStyled(run.style);
    html += wrap(rendered.html, run.style);
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

function renderInline(text: string, lookup: MentionLookup | undefined, mentions: Set<UserId>): { html: string; special: boolean } {
  let html = '';
  let special = false;
  let last = 0;
  for (const match of text.matchAll(URL)) {
    const url = trimUrl(match[0]);
    const at = match.index ?? 0;
    const words = renderWords(text.slice(last, at), lookup, mentions);
    html += words.html + `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    special = true;
    last = at + url.length;
  }
  const rest = renderWords(text.slice(last), lookup, mentions);
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

/**
 * Mentions: a whitespace-separated word, optionally followed by ':' or ',' ("alice: hi",
 * "hi alice, bob"), that the lookup knows. Anything else stays text.
 */
function renderWords(text: string, lookup: MentionLookup | undefined, mentions: Set<UserId>): { html: string; special: boolean } {
  if (!lookup || !text) return { html: escapeHtml(text), special: false };
  let special = false;
  const html = text.split(/(\s+)/).map((part) => {
    if (!part || /^\s/.test(part)) return escapeHtml(part);
    let target = lookup(part);
    let tail = '';
    if (!target && /[:,]$/.test(part)) {
      target = lookup(part.slice(0, -1));
      tail = part.slice(-1);
    }
    if (!target) return escapeHtml(part);
    special = true;
    mentions.add(target.userId);
    return `<a href="${escapeHtml(userPermalink(target.userId))}">${escapeHtml(target.displayName)}</a>${escapeHtml(tail)}`;
  }).join('');
  return { html, special };
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
