/**
 * Outgoing text → the texts of IRC lines. A server relays our PRIVMSG to others as
 *     :nick!user@host PRIVMSG #chan :<text>\r\n
 * and cuts anything past 512 bytes, so each chunk's text must fit what is left after that
 * framing. Chunks are cut at spaces when possible, never inside a UTF-8 sequence, a grapheme
 * cluster (an emoji with modifiers, a letter with its accents) or a formatting code, and each
 * chunk re-opens the formatting that was active where the previous one ended. A chunk that would
 * show nothing (blank.ts: spaces, NBSP, zero-width characters) is not sent.
 *
 * Each '\n' line of the input is independent (IRC clients reset formatting per message), as
 * produced by matrix-to-irc.ts.
 */
import { IrcError } from '../irc/errors';
import { isBlank } from './blank';
import { applyCode, codesFor, PLAIN, tokenizeMirc, type MircStyle } from './mirc';

/** RFC 1459's maximum line length, CRLF included; some servers announce more as ISUPPORT LINELEN. */
export const IRC_LINE_BYTES = 512;

const CTCP_ACTION_OPEN = '\x01ACTION ';
const CTCP_CLOSE = '\x01';

/** Thrown when the framing alone leaves no room for text (absurdly long target or prefix). */
export class LineBudgetError extends IrcError {
  constructor(readonly budget: number) {
    super('IRC_LINE_BUDGET', `Only ${budget} bytes per IRC line are left for text after the command, target and sender prefix; use a shorter target or check the configured line length.`);
    this.name = 'LineBudgetError';
  }
}

export interface PrefixEstimate {
  /** The connection's nick length limit (ISUPPORT NICKLEN), or the nick itself when known. */
  nickLength?: number;
  /** USERLEN; most servers allow 10 plus a '~' for unverified idents. */
  userLength?: number;
  /** The longest hostname or cloak the server may show (63 is the DNS label limit). */
  hostLength?: number;
}

/** Length of `nick!user@host` as the server may relay it; errs on the long side. */
export function estimatePrefixLength(estimate: PrefixEstimate = {}): number {
  const { nickLength = 30, userLength = 11, hostLength = 63 } = estimate;
  return nickLength + 1 + userLength + 1 + hostLength;
}

export interface LineFraming {
  /** 'PRIVMSG' (default) or 'NOTICE'. */
  command?: 'PRIVMSG' | 'NOTICE';
  /** The channel or nick the line is sent to. */
  target: string;
  /** Length of the `nick!user@host` the server prefixes; default `estimatePrefixLength()`. */
  prefixLength?: number;
  /** Frame each chunk as a CTCP ACTION (`/me`): costs 9 bytes per line. */
  action?: boolean;
  /** Full line length including CRLF (ISUPPORT LINELEN); default 512. */
  lineBytes?: number;
}

/** Bytes left for the text of one line after the framing. */
export function textBudget(framing: LineFraming): number {
  const { command = 'PRIVMSG', target, prefixLength = estimatePrefixLength(), action = false, lineBytes = IRC_LINE_BYTES } = framing;
  const fixed = 1 + prefixLength + 1 // ":prefix "
    + Buffer.byteLength(`${command} ${target} :`, 'utf8')
    + (action ? CTCP_ACTION_OPEN.length + CTCP_CLOSE.length : 0)
    + 2; // CRLF
  return lineBytes - fixed;
}

interface Unit {
  text: string;
  bytes: number;
  code?: string;
  space: boolean;
}

// Made on first use: building a Segmenter loads ICU's break rules, 10-20 ms of a start that
// may never split a line.
let graphemes: Intl.Segmenter | undefined;

function toUnits(line: string): Unit[] {
  const units: Unit[] = [];
  for (const token of tokenizeMirc(line)) {
    if (token.type === 'code') {
      units.push({ text: token.code, bytes: token.code.length, code: token.code, space: false });
      continue;
    }
    graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const { segment } of graphemes.segment(token.text)) {
      units.push({ text: segment, bytes: Buffer.byteLength(segment, 'utf8'), space: segment === ' ' });
    }
  }
  return units;
}

/** A grapheme larger than a whole line (zalgo text) is cut between code points instead. */
function splitOversized(unit: Unit, budget: number): Unit[] {
  const pieces: Unit[] = [];
  let text = '';
  for (const cp of unit.text) {
    if (Buffer.byteLength(text + cp, 'utf8') > budget && text) {
      pieces.push({ text, bytes: Buffer.byteLength(text, 'utf8'), space: false });
      text = '';
    }
    text += cp;
  }
  if (text) pieces.push({ text, bytes: Buffer.byteLength(text, 'utf8'), space: false });
  return pieces;
}

/** The text right after `start`, up to the next code: what a re-opened colour code could absorb. */
function upcomingText(units: readonly Unit[], start: number): string {
  let text = '';
  for (let i = start; i < units.length && i < start + 8 && !units[i]?.code; i++) text += (units[i] as Unit).text;
  return text;
}

/**
 * Splits `text` into the texts of IRC lines (framing not included: the caller writes
 * `PRIVMSG target :<chunk>`, or wraps each chunk in CTCP ACTION). Lines without visible text
 * are dropped, since IRC cannot send an empty message.
 */
export function splitMessage(text: string, framing: LineFraming): string[] {
  const budget = textBudget(framing);
  if (budget < 32) throw new LineBudgetError(budget);
  const chunks: string[] = [];
  for (const line of text.replace(/\0/g, '').split(/\r\n|\r|\n/)) {
    for (const chunk of splitLine(line, budget)) chunks.push(chunk);
  }
  return chunks;
}

/** Any C0 control character: mIRC formatting codes are among them. */
const CONTROL = /[\x00-\x1f]/;

function splitLine(line: string, budget: number): string[] {
  // Most chat lines are short plain text: one chunk, the line itself, with no need to cut it
  // into graphemes (which is most of the cost of sending a message to IRC).
  if (!CONTROL.test(line) && Buffer.byteLength(line, 'utf8') <= budget) return isBlank(line) ? [] : [line];
  const units = toUnits(line);
  const chunks: string[] = [];
  let start = 0;
  let style: MircStyle = PLAIN; // the style in force at units[start]
  while (start < units.length) {
    const first = units[start] as Unit;
    const reopen = codesFor(style, upcomingText(units, start));
    let bytes = reopen.length;
    let end = start;
    let current = style;
    let lastSpace = -1;
    let styleAtSpace = style;
    while (end < units.length && bytes + (units[end] as Unit).bytes <= budget) {
      const unit = units[end] as Unit;
      if (unit.space && end > start) {
        lastSpace = end;
        styleAtSpace = current;
      }
      if (unit.code) current = applyCode(current, unit.code);
      bytes += unit.bytes;
      end++;
    }
    if (end === start) {
      // Not even one unit fits next to the re-opened codes.
      units.splice(start, 1, ...splitOversized(first, budget - reopen.length));
      continue;
    }
    let next = end;
    if (end < units.length && lastSpace > start) {
      end = lastSpace;
      next = lastSpace + 1; // the space we cut at is not sent
      current = styleAtSpace;
    }
    const body = units.slice(start, end);
    if (body.some((u) => !u.code && !isBlank(u.text))) chunks.push(reopen + body.map((u) => u.text).join(''));
    start = next;
    style = current;
  }
  return chunks;
}

/** Wraps one chunk from `splitMessage(..., { action: true })` as a CTCP ACTION. */
export function ctcpAction(chunk: string): string {
  return `${CTCP_ACTION_OPEN}${chunk}${CTCP_CLOSE}`;
}
