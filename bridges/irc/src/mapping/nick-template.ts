/**
 * Matrix user → the nick, ident and realname their IRC connection uses.
 *
 * A nick template such as `$DISPLAY[m]` is filled with the user's display name, localpart or
 * user ID and then forced into the RFC 2812 grammar
 *     nickname = ( letter / special ) *( letter / digit / special / "-" )
 *     special  = "[" / "]" / "\" / "`" / "_" / "^" / "{" / "|" / "}"
 * within the server's NICKLEN. When the literal part of the template fits, the variables are
 * shortened rather than the literal, so "$DISPLAY[m]" gives "alexa[m]", not "alexander".
 */
import type { UserId } from '@bridgekit/appservice';
import { localpartOf } from '@bridgekit/appservice';
import { asIrcNick, type IrcNick } from './ids';

/** RFC 1459/2812's NICKLEN; servers announce their own in ISUPPORT NICKLEN. */
export const DEFAULT_NICK_LENGTH = 9;
/** RFC 1459's USERLEN for the ident (username) field. */
export const MAX_IDENT_LENGTH = 10;
/** Servers truncate realnames around 50 bytes (ISUPPORT has no token for it). */
export const MAX_REALNAME_LENGTH = 64;

export interface MatrixUserNames {
  userId: UserId;
  /** The Matrix display name, if the user has one. */
  displayName?: string;
}

const VARIABLE = /\$(DISPLAY|LOCALPART|USERID)/g;
const NICK_CHAR = /[A-Za-z0-9[\]\\`_^{|}-]/;
const NICK_FIRST = /[A-Za-z[\]\\`_^{|}]/;

const ASCII = /^[\x00-\x7f]*$/;

/** NFKD, which is the identity on ASCII: most names skip the Unicode tables. */
function decompose(text: string): string {
  return ASCII.test(text) ? text : text.normalize('NFKD');
}

/** Replaces each character the nick grammar forbids; drops accents first ("Zoë" → "Zoe"). */
export function sanitizeNickText(text: string): string {
  const plain = decompose(text).replace(/\p{M}/gu, '');
  let out = '';
  for (const ch of plain) {
    if (NICK_CHAR.test(ch)) out += ch;
    else if (/\s/.test(ch) || ch === '.') out += '_';
  }
  return out.replace(/_{2,}/g, '_');
}

function valueOf(variable: string, user: MatrixUserNames): string {
  switch (variable) {
    case 'DISPLAY': {
      const fromDisplay = sanitizeNickText(user.displayName ?? '');
      // A display name of only emoji or CJK sanitizes to nothing: use the localpart instead.
      return /[A-Za-z0-9]/.test(fromDisplay) ? fromDisplay : sanitizeNickText(localpartOf(user.userId));
    }
    case 'LOCALPART': return sanitizeNickText(localpartOf(user.userId));
    default: return sanitizeNickText(user.userId.slice(1).replace(':', '_'));
  }
}

/**
 * Fills `template` for `user` and returns a nick valid under RFC 2812 of at most `maxLength`
 * characters. Never throws: a template that yields nothing usable falls back to "M" + localpart.
 */
export function nickFromTemplate(template: string, user: MatrixUserNames, maxLength = DEFAULT_NICK_LENGTH): IrcNick {
  if (maxLength < 1) throw new RangeError(`NICKLEN must be at least 1, got ${maxLength}.`);
  const pieces: { text: string; variable: boolean }[] = [];
  let last = 0;
  for (const match of template.matchAll(VARIABLE)) {
    const at = match.index ?? 0;
    if (at > last) pieces.push({ text: sanitizeNickText(template.slice(last, at)), variable: false });
    pieces.push({ text: valueOf(match[1] as string, user), variable: true });
    last = at + match[0].length;
  }
  if (last < template.length) pieces.push({ text: sanitizeNickText(template.slice(last)), variable: false });

  const literalLength = pieces.filter((p) => !p.variable).reduce((n, p) => n + p.text.length, 0);
  let budget = maxLength - literalLength;
  let nick: string;
  if (budget >= 1 && pieces.some((p) => p.variable && p.text.length > 0)) {
    nick = pieces.map((p) => {
      if (!p.variable) return p.text;
      const part = p.text.slice(0, Math.max(0, budget));
      budget -= part.length;
      return part;
    }).join('');
  } else {
    nick = pieces.map((p) => p.text).join('');
  }
  return finishNick(nick, user, maxLength);
}

function finishNick(candidate: string, user: MatrixUserNames, maxLength: number): IrcNick {
  let nick = candidate;
  if (nick.length === 0) nick = `M${sanitizeNickText(localpartOf(user.userId))}`;
  // Digits and '-' cannot start a nick; '_' can, and keeps the rest readable.
  if (!NICK_FIRST.test(nick[0] ?? '')) nick = `_${nick}`;
  return asIrcNick(nick.slice(0, maxLength));
}

/**
 * Alternatives to try when `nick` is taken (433 ERR_NICKNAMEINUSE), in order: the nick itself,
 * `nick_`, then `nick1`, `nick2`, ... each shortened so it stays within `maxLength`.
 */
export function* nickCandidates(nick: IrcNick, maxLength = DEFAULT_NICK_LENGTH, attempts = 20): Generator<IrcNick> {
  const base = nick.slice(0, maxLength);
  const seen = new Set<string>();
  const all = function* () {
    yield base;
    yield `${base.slice(0, maxLength - 1)}_`;
    for (let n = 1; String(n).length < maxLength; n++) yield base.slice(0, maxLength - String(n).length) + String(n);
  };
  for (const candidate of all()) {
    if (seen.size >= attempts) return;
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    yield asIrcNick(candidate);
  }
}

/**
 * The ident (USER's username): lower-case `[a-z0-9]`, at most 10 characters, from a template
 * (`$LOCALPART` by default). Identd-less servers show it as `~ident`; keeping it plain ASCII
 * means every server accepts it.
 */
export function identFromTemplate(template: string, user: MatrixUserNames, maxLength = MAX_IDENT_LENGTH): string {
  const filled = fill(template, user);
  const ident = decompose(filled).toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, maxLength);
  return ident.length > 0 ? ident : 'matrix';
}

/** The realname (USER's last parameter): free text, one line, bounded length. */
export function realnameFromTemplate(template: string, user: MatrixUserNames, maxLength = MAX_REALNAME_LENGTH): string {
  // Control characters would reach the wire (or format the realname): keep printable text only.
  const filled = fill(template, user).replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  const chars = Array.from(filled);
  const realname = chars.slice(0, maxLength).join('');
  return realname.length > 0 ? realname : user.userId;
}

function fill(template: string, user: MatrixUserNames): string {
  return template.replace(VARIABLE, (_m, name: string) => {
    if (name === 'DISPLAY') return user.displayName ?? localpartOf(user.userId);
    if (name === 'LOCALPART') return localpartOf(user.userId);
    return user.userId;
  });
}
