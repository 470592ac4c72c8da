/**
 * Matrix message → IRC text with mIRC codes and '\n' between lines. Every line is self-contained
 * (IRC clients reset formatting at the end of each message), so bold text spanning a <br>
 * re-opens bold on the next line; split.ts cuts long lines and re-opens formatting per chunk. The HTML is parsed with htmlparser2, never
 * with regexes; unknown tags keep their text, <mx-reply> (the reply fallback) is dropped.
 *
 * Formatting codes are emitted lazily, right before the next visible text: an empty <b></b>
 * costs nothing, and the code that ends a colour knows whether the text after it starts with a
 * digit (which it would otherwise swallow).
 *
 * Inline code and strikethrough become `code` and ~~text~~ by default: their control codes
 * (\x11, \x1e) are recent additions many clients show as junk (irssi 1.4: "QcodeQ", "^strike^"),
 * while the markers read well everywhere. An admin whose users' clients know the codes turns
 * them on (`FormattingCodes`). A code block (<pre>) is its own lines, so it gets no markers.
 */
import type { UserId } from '@bridgekit/appservice';
import { isUserId } from '@bridgekit/appservice';
import { isTag, isText, type AnyNode, type Element } from 'domhandler';
import type * as Htmlparser2 from 'htmlparser2';
import { nearestBasicColour, parseCssColour } from './colours';
import { BOLD, codesFor, COLOUR, GUARD, ITALIC, MONOSPACE, needsGuard, PLAIN, REVERSE, sameColour, sameStyle, STRIKETHROUGH, UNDERLINE, type MircStyle } from './mirc';

/** The fields of an `m.room.message` content this converter reads. */
export interface MatrixMessageText {
  body: string;
  format?: string;
  formatted_body?: string;
}

/** The IRC nick to show for a Matrix user mentioned with a pill; undefined keeps the pill text. */
export type PillLookup = (userId: UserId) => string | undefined;

/** Which styles are sent as IRC control codes; the others are written as text markers. */
export interface FormattingCodes {
  /** \x11 instead of backticks around inline code. */
  monospace: boolean;
  /** \x1e instead of ~~ around struck-through text. */
  strikethrough: boolean;
}

/** What every IRC client shows: markers for both. */
export const PORTABLE_FORMATTING: FormattingCodes = Object.freeze({ monospace: false, strikethrough: false });

export interface MatrixToIrcOptions {
  pillNick?: PillLookup;
  /** Default `PORTABLE_FORMATTING`. */
  codes?: FormattingCodes;
  /** The event is a reply: strip the `> ` fallback lines from a plain body. */
  isReply?: boolean;
}

/** Beyond this nesting depth formatting is ignored (hostile input must not blow the stack). */
const MAX_DEPTH = 64;
const BLOCKS = new Set(['p', 'div', 'blockquote', 'pre', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'hr', 'details', 'summary', 'dl', 'dt', 'dd', 'section', 'article']);
const SKIPPED = new Set(['mx-reply', 'script', 'style', 'head', 'title']);

export function matrixToIrc(content: MatrixMessageText, options: MatrixToIrcOptions = {}): string {
  if (content.format === 'org.matrix.custom.html' && typeof content.formatted_body === 'string') {
    return htmlToIrc(content.formatted_body, options.pillNick, options.codes);
  }
  const body = typeof content.body === 'string' ? content.body : '';
  return options.isReply ? stripReplyFallback(body) : body;
}

/** Removes the legacy reply fallback: leading "> " lines and the blank line after them. */
export function stripReplyFallback(body: string): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] as string).startsWith('> ')) i++;
  if (i === 0) return body;
  if (lines[i] === '') i++;
  return lines.slice(i).join('\n');
}

/** Loaded at the first HTML message, not at start: a bridge starts without needing it. */
let htmlparser2: typeof Htmlparser2 | undefined;

export function htmlToIrc(html: string, pillNick?: PillLookup, codes: FormattingCodes = PORTABLE_FORMATTING): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred on purpose (start-up time)
  htmlparser2 ??= require('htmlparser2') as typeof Htmlparser2;
  const doc = htmlparser2.parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
  const out = new IrcTextBuilder(codes);
  renderNodes(doc.children, PLAIN, out, pillNick, 0);
  return out.finish();
}

/** Matrix user ID from a matrix.to or matrix: URI pointing at a user; undefined otherwise. */
export function userIdFromPermalink(href: string): UserId | undefined {
  let id: string | undefined;
  const toLink = /^https:\/\/matrix\.to\/#\/([^/?]+)/i.exec(href);
  if (toLink) id = toLink[1];
  const uri = /^matrix:u\/([^/?#]+)/i.exec(href);
  if (uri) id = `@${uri[1]}`;
  if (id === undefined) return undefined;
  try {
    id = decodeURIComponent(id);
  } catch {
    return undefined;
  }
  return isUserId(id) ? id : undefined;
}

function renderNodes(nodes: readonly AnyNode[], style: MircStyle, out: IrcTextBuilder, pillNick: PillLookup | undefined, depth: number): void {
  for (const node of nodes) {
    if (isText(node)) out.text(node.data, style);
    else if (isTag(node)) renderElement(node, style, out, pillNick, depth + 1);
  }
}

function renderElement(el: Element, parent: MircStyle, out: IrcTextBuilder, pillNick: PillLookup | undefined, depth: number): void {
  const tag = el.name;
  if (SKIPPED.has(tag)) return;
  if (depth > MAX_DEPTH) {
    out.text(flatText(el), parent);
    return;
  }
  const style = styleFor(el, parent);
  const children = () => renderNodes(el.children, style, out, pillNick, depth);
  const isBlock = BLOCKS.has(tag);
  if (isBlock) out.blockBreak();

  switch (tag) {
    case 'br':
      out.newline();
      break;
    case 'hr':
      out.text('---', parent);
      break;
    case 'img':
      out.text(el.attribs.alt || el.attribs.title || el.attribs.src || '', style);
      break;
    case 'pre':
      out.withPre(children);
      break;
    case 'blockquote':
      out.withPrefix('> ', children);
      break;
    case 'ul':
    case 'ol':
      renderList(el, style, out, pillNick, depth);
      break;
    case 'a':
      renderLink(el, style, out, pillNick, children);
      break;
    case 'tr':
      el.children.filter(isTag).forEach((cell, i) => {
        if (i > 0) out.text(' | ', style);
        renderNodes(cell.children, styleFor(cell, style), out, pillNick, depth + 1);
      });
      break;
    default:
      children();
  }
  if (isBlock) out.blockBreak();
}

function renderList(list: Element, style: MircStyle, out: IrcTextBuilder, pillNick: PillLookup | undefined, depth: number): void {
  const ordered = list.name === 'ol';
  const start = Number.parseInt(list.attribs.start ?? '1', 10);
  let n = Number.isFinite(start) ? start : 1;
  for (const item of list.children.filter(isTag)) {
    const marker = ordered ? `${n++}. ` : '- ';
    out.blockBreak();
    out.withListItem(marker, () => renderNodes(item.children, styleFor(item, style), out, pillNick, depth + 1));
    out.blockBreak();
  }
}

function renderLink(el: Element, style: MircStyle, out: IrcTextBuilder, pillNick: PillLookup | undefined, children: () => void): void {
  const href = (el.attribs.href ?? '').trim();
  const userId = userIdFromPermalink(href);
  if (userId) {
    const nick = pillNick?.(userId);
    if (nick !== undefined) out.text(nick, style);
    else children();
    return;
  }
  const text = flatText(el).trim();
  if (!text) {
    out.text(href, style);
    return;
  }
  children();
  if (href && !sameTarget(text, href)) out.text(` (${href})`, PLAIN);
}

/** The link text already says where it goes ("example.org" for https://example.org/). */
function sameTarget(text: string, href: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/^(https?:\/\/|mailto:)/, '').replace(/\/$/, '');
  return norm(text) === norm(href);
}

function styleFor(el: Element, parent: MircStyle): MircStyle {
  switch (el.name) {
    case 'b': case 'strong': case 'h1': case 'h2': case 'h3': case 'h4': case 'h5': case 'h6': case 'dt':
      return { ...parent, bold: true };
    case 'i': case 'em': case 'cite':
      return { ...parent, italic: true };
    case 'u': case 'ins':
      return { ...parent, underline: true };
    case 's': case 'del': case 'strike':
      return { ...parent, strikethrough: true };
    case 'code': case 'pre': case 'kbd': case 'samp':
      return { ...parent, monospace: true };
    case 'font': case 'span': {
      if ('data-mx-spoiler' in el.attribs) return { ...parent, fg: { index: 1 }, bg: { index: 1 } };
      const fg = parseCssColour(el.attribs['data-mx-color'] ?? el.attribs.color ?? '');
      const bg = parseCssColour(el.attribs['data-mx-bg-color'] ?? '');
      return {
        ...parent,
        ...(fg ? { fg: { index: nearestBasicColour(fg) } } : {}),
        ...(bg ? { bg: { index: nearestBasicColour(bg) } } : {}),
      };
    }
    default:
      return parent;
  }
}

/** Text content without recursion (a deeply nested document must not overflow the stack). */
function flatText(root: Element): string {
  let text = '';
  const stack: AnyNode[] = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (isText(node)) text += node.data;
    else if (isTag(node) && !SKIPPED.has(node.name)) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as AnyNode);
  }
  return text;
}

type Marker = 'monospace' | 'strikethrough';
const MARKERS: Record<Marker, string> = { monospace: '`', strikethrough: '~~' };

/**
 * Accumulates lines. Tracks the formatting state IRC clients will be in, the text markers open on
 * the line, the line prefixes of enclosing blockquotes and list items, and HTML whitespace
 * collapsing (except inside <pre>).
 */
class IrcTextBuilder {
  private readonly lines: string[] = [];
  private line = '';
  private lineHasText = false;
  private irc: MircStyle = PLAIN;
  /** Markers written and not yet closed, outermost first: closed in reverse order. */
  private openMarkers: Marker[] = [];
  private preDepth = 0;
  private readonly prefixes: string[] = [];
  private pendingMarker = '';

  constructor(private readonly codes: FormattingCodes) {}

  text(raw: string, style: MircStyle): void {
    let text = raw;
    if (this.preDepth === 0) {
      text = text.replace(/\s+/g, ' ');
      if (!this.lineHasText || this.line.endsWith(' ')) text = text.replace(/^ /, '');
    }
    const pieces = this.preDepth > 0 ? text.split(/\r?\n/) : [text];
    pieces.forEach((piece, i) => {
      if (i > 0) this.newline();
      if (!piece) return;
      this.startLine();
      this.line += this.transition(style, piece) + piece;
      this.lineHasText = true;
    });
  }

  /** Each line becomes its own IRC message, and IRC clients reset formatting per message. */
  newline(): void {
    // Codes end with the line by themselves; markers are text and must be closed.
    const closing = this.openMarkers.reverse().map((m) => MARKERS[m]).join('');
    this.lines.push(this.line.replace(/ +$/, '') + closing);
    this.line = '';
    this.lineHasText = false;
    this.irc = PLAIN;
    this.openMarkers = [];
  }

  /** Ends the current line unless it is still empty (blocks do not create blank lines). */
  blockBreak(): void {
    if (this.lineHasText) this.newline();
  }

  withPre(body: () => void): void {
    this.preDepth++;
    body();
    this.preDepth--;
  }

  withPrefix(prefix: string, body: () => void): void {
    this.prefixes.push(prefix);
    body();
    this.blockBreak();
    this.prefixes.pop();
  }

  withListItem(marker: string, body: () => void): void {
    this.pendingMarker = marker;
    this.prefixes.push(' '.repeat(marker.length));
    body();
    if (this.pendingMarker) {
      this.startLine(); // an empty item still shows its marker
      this.lineHasText = true;
    }
    this.blockBreak();
    this.prefixes.pop();
  }

  finish(): string {
    if (this.lineHasText) this.newline();
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.join('\n');
  }

  private startLine(): void {
    if (this.lineHasText) return;
    if (this.pendingMarker) {
      const indent = this.prefixes.slice(0, -1).join('');
      this.line += indent + this.pendingMarker;
      this.pendingMarker = '';
    } else {
      this.line += this.prefixes.join('');
    }
  }

  /**
   * The markers to close, the codes, and the markers to open that move the line from its
   * current style to `target`, safe before `next`.
   */
  private transition(target: MircStyle, next: string): string {
    const wanted = this.markersFor(target);
    let close = '';
    while (this.openMarkers.some((m) => !wanted.includes(m))) close += MARKERS[this.openMarkers.pop() as Marker];
    let open = '';
    for (const marker of wanted) {
      if (this.openMarkers.includes(marker)) continue;
      this.openMarkers.push(marker);
      open += MARKERS[marker];
    }
    // Styles without their code are never sent as codes, marked or not (inside <pre>: not).
    const coded = { ...target, monospace: target.monospace && this.codes.monospace, strikethrough: target.strikethrough && this.codes.strikethrough };
    return close + this.codesTo(coded, open + next) + open;
  }

  /** The markers `target` needs, outermost first (a code block needs none). */
  private markersFor(target: MircStyle): Marker[] {
    const markers: Marker[] = [];
    if (target.strikethrough && !this.codes.strikethrough) markers.push('strikethrough');
    if (target.monospace && !this.codes.monospace && this.preDepth === 0) markers.push('monospace');
    return markers;
  }

  /** The codes that move IRC from its current style to `target`, safe before `next`. */
  private codesTo(target: MircStyle, next: string): string {
    const from = this.irc;
    this.irc = target;
    if (sameStyle(from, target)) return '';
    const coloursChanged = !sameColour(from.fg, target.fg) || !sameColour(from.bg, target.bg);
    let codes = '';
    if (coloursChanged) {
      const dropsColour = (from.fg && !target.fg) || (from.bg && !target.bg);
      if (dropsColour) codes += COLOUR;
      const colourOnly = { ...PLAIN, ...(target.fg ? { fg: target.fg } : {}), ...(target.bg ? { bg: target.bg } : {}) };
      codes += codesFor(colourOnly);
    }
    const toggles: [keyof MircStyle, string][] = [['bold', BOLD], ['italic', ITALIC], ['underline', UNDERLINE],
      ['strikethrough', STRIKETHROUGH], ['monospace', MONOSPACE], ['reverse', REVERSE]];
    for (const [key, code] of toggles) if (from[key] !== target[key]) codes += code;
    return needsGuard(codes, next) ? codes + GUARD : codes;
  }
}
