/**
 * The mIRC formatting codes as a tokenizer plus a style state machine, shared by the IRC → Matrix
 * renderer and the line splitter (which must never cut a code in half and must re-open the
 * current style at the start of each chunk).
 *
 *   \x02 bold  \x1D italic  \x1F underline  \x1E strikethrough  \x11 monospace  \x16 reverse
 *   \x0F reset all
 *   \x03[fg[,bg]]           fg/bg: one or two digits, 0-98 palette, 99 = default; bare = reset colours
 *   \x04[RRGGBB[,RRGGBB]]   hex colours; bare = reset colours
 */

export const BOLD = '\x02';
export const COLOUR = '\x03';
export const HEX_COLOUR = '\x04';
export const RESET = '\x0f';
export const MONOSPACE = '\x11';
export const REVERSE = '\x16';
export const ITALIC = '\x1d';
export const STRIKETHROUGH = '\x1e';
export const UNDERLINE = '\x1f';

/** A colour as IRC expressed it: a palette index or a hex value (`rrggbb`, lower case). */
export type MircColour = { index: number } | { hex: string };

export interface MircStyle {
  readonly bold: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly strikethrough: boolean;
  readonly monospace: boolean;
  readonly reverse: boolean;
  readonly fg?: MircColour;
  readonly bg?: MircColour;
}

export const PLAIN: MircStyle = Object.freeze({
  bold: false, italic: false, underline: false, strikethrough: false, monospace: false, reverse: false,
});

export type MircToken = { type: 'text'; text: string } | { type: 'code'; code: string };

const TOGGLES: Record<string, keyof MircStyle> = {
  [BOLD]: 'bold', [ITALIC]: 'italic', [UNDERLINE]: 'underline',
  [STRIKETHROUGH]: 'strikethrough', [MONOSPACE]: 'monospace', [REVERSE]: 'reverse',
};

const CODE_START = /[\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f]/;
const COLOUR_ARGS = /^(\d{1,2})(?:,(\d{1,2}))?/;
const HEX_ARGS = /^([0-9a-fA-F]{6})(?:,([0-9a-fA-F]{6}))?/;

/** Splits text into formatting codes (each with its arguments) and the text between them. */
export function tokenizeMirc(text: string): MircToken[] {
  const tokens: MircToken[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (!CODE_START.test(ch)) {
      plain += ch;
      continue;
    }
    if (plain) tokens.push({ type: 'text', text: plain });
    plain = '';
    let code = ch;
    if (ch === COLOUR || ch === HEX_COLOUR) {
      const args = (ch === COLOUR ? COLOUR_ARGS : HEX_ARGS).exec(text.slice(i + 1, i + 15));
      if (args) code += args[0];
    }
    tokens.push({ type: 'code', code });
    i += code.length - 1;
  }
  if (plain) tokens.push({ type: 'text', text: plain });
  return tokens;
}

function colourFromIndex(digits: string | undefined): MircColour | undefined {
  if (digits === undefined) return undefined;
  const index = Number(digits);
  return index >= 99 ? undefined : { index };
}

/** The style after applying one code token to `style`. */
export function applyCode(style: MircStyle, code: string): MircStyle {
  const first = code[0] as string;
  const toggle = TOGGLES[first];
  if (toggle) return { ...style, [toggle]: !style[toggle] };
  if (first === RESET) return PLAIN;
  const args = code.slice(1);
  if (args === '') {
    const { fg: _fg, bg: _bg, ...rest } = style;
    return rest;
  }
  if (first === COLOUR) {
    const [fgDigits, bgDigits] = args.split(',');
    const fg = colourFromIndex(fgDigits);
    const bg = bgDigits === undefined ? style.bg : colourFromIndex(bgDigits);
    return withColours(style, fg, bg);
  }
  const [fgHex, bgHex] = args.toLowerCase().split(',');
  return withColours(style, fgHex ? { hex: fgHex } : undefined, bgHex ? { hex: bgHex } : style.bg);
}

function withColours(style: MircStyle, fg: MircColour | undefined, bg: MircColour | undefined): MircStyle {
  const { fg: _fg, bg: _bg, ...rest } = style;
  return { ...rest, ...(fg ? { fg } : {}), ...(bg ? { bg } : {}) };
}

export function sameStyle(a: MircStyle, b: MircStyle): boolean {
  return a.bold === b.bold && a.italic === b.italic && a.underline === b.underline
    && a.strikethrough === b.strikethrough && a.monospace === b.monospace && a.reverse === b.reverse
    && sameColour(a.fg, b.fg) && sameColour(a.bg, b.bg);
}

export function sameColour(a: MircColour | undefined, b: MircColour | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if ('index' in a) return 'index' in b && a.index === b.index;
  return 'hex' in b && a.hex === b.hex;
}

function twoDigits(colour: MircColour | undefined): string {
  return colour && 'index' in colour ? String(colour.index).padStart(2, '0') : '99';
}

/**
 * One or two codes that set exactly `fg` and `bg`. A palette index and a hex value cannot share
 * one code, but a code that sets only a foreground keeps the background, so mixed pairs are
 * written as "background code, then foreground code".
 */
function colourCode(fg: MircColour | undefined, bg: MircColour | undefined): string {
  if (bg && 'hex' in bg) {
    if (fg && 'hex' in fg) return `${HEX_COLOUR}${fg.hex},${bg.hex}`;
    return `${HEX_COLOUR}000000,${bg.hex}${COLOUR}${twoDigits(fg)}`;
  }
  if (fg && 'hex' in fg) return `${bg ? `${COLOUR}99,${twoDigits(bg)}` : ''}${HEX_COLOUR}${fg.hex}`;
  return `${COLOUR}${twoDigits(fg)}${bg ? `,${twoDigits(bg)}` : ''}`;
}

/**
 * True when `next` would be read as part of the colour code that `codes` ends with: a digit or
 * ',digit' after a bare \x03, or ',digit' after a two-digit foreground. (Hex codes are always
 * six digits, so only a following ',' plus six hex digits could be absorbed: guarded the same way.)
 */
export function needsGuard(codes: string, next: string): boolean {
  if (/\x03$/.test(codes)) return /^(\d|,\d)/.test(next);
  if (/\x03\d\d$/.test(codes)) return /^,\d/.test(next);
  if (/\x04[0-9a-fA-F]{6}$/.test(codes)) return /^,[0-9a-fA-F]{6}/.test(next);
  return false;
}

/** A no-op (bold on, bold off) that ends a colour code before text that would extend it. */
export const GUARD = BOLD + BOLD;

/**
 * The codes that turn plain text into `style`, written so that `nextText` cannot be misread as
 * part of a code: colours first with two-digit indexes, then toggles, then a guard if needed.
 */
export function codesFor(style: MircStyle, nextText = ''): string {
  let out = '';
  if (style.fg !== undefined || style.bg !== undefined) out += colourCode(style.fg, style.bg);
  for (const [code, key] of Object.entries(TOGGLES)) if (style[key]) out += code;
  return needsGuard(out, nextText) ? out + GUARD : out;
}

/** True when the style changes how text looks (reverse alone is ignored: Matrix cannot show it). */
export function isStyled(style: MircStyle): boolean {
  return style.bold || style.italic || style.underline || style.strikethrough || style.monospace
    || style.fg !== undefined || style.bg !== undefined;
}

/** Removes every formatting code, keeping the text. */
export function stripMirc(text: string): string {
  return tokenizeMirc(text).map((t) => (t.type === 'text' ? t.text : '')).join('');
}
