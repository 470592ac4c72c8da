/**
 * A pre-filter for a puppet's incoming lines, applied in the socket transport before
 * irc-framework parses them. Every puppet is a full IRC client in the same channels as the
 * bot, so without it a channel line is parsed once per puppet plus once for the bot (about
 * 10 ms of CPU per message with 200 puppets) only for the puppets to ignore it: the bot
 * bridges channel traffic. A puppet needs what concerns itself — its own JOIN/PART/QUIT,
 * KICK, NICK, MODE, numerics (join and send refusals), PING, CAP/AUTHENTICATE, ERROR — and
 * private messages addressed to it (handlers/irc-to-matrix/private.ts).
 *
 * What is dropped, and nothing else:
 *  - PRIVMSG, NOTICE and TAGMSG whose target is a channel (or a STATUSMSG target like @#chan),
 *    unless the puppet sent them itself (an echo-message echo);
 *  - JOIN, PART and QUIT whose source is another nick;
 *  - NAMES replies (353, 366) once registered: the bot keeps each channel's members, and a
 *    puppet joining a channel of N members would otherwise parse all N (N² for N puppets);
 *  - the welcome's informational numerics once registered (002, 003, 004; the LUSERS counts
 *    250-255, 265, 266; the MOTD's text, 375 and 372, but not its end, 376, which ends
 *    registration): most of what a server says to a connecting puppet (a network's MOTD is
 *    often dozens of lines), and nothing reads them.
 * Other users' NICK stays (private chats follow renames from any connection), KICK and MODE
 * stay (they may concern the puppet). The check is a few `indexOf`s on the raw line, not a
 * parse; a line it does not understand is kept, never dropped.
 *
 * `surelyForeign` makes the same decision on the line's bytes, before they are decoded: with N
 * puppets in a channel every channel line is read N times, and decoding each copy into a string
 * only to drop it was most of what a dropped line cost. It decides only lines whose head (tags,
 * prefix, command, the target's first character) is ASCII, where bytes and decoded characters
 * are the same; anything else goes to `accept` on the decoded string.
 */

/**
 * First characters of a channel target: the usual CHANTYPES (#&!+) and the STATUSMSG prefixes
 * (@%~ and +&). No valid nick starts with any of them, so a PM is never mistaken for one.
 */
const CHANNEL_TARGET_START = '#&!+@%~';

const TO_TARGET = new Set(['PRIVMSG', 'NOTICE', 'TAGMSG']);
const ABOUT_SOURCE = new Set(['JOIN', 'PART', 'QUIT']);
/** Replies a registered puppet has no use for (see the list above). */
const UNUSED_REPLIES = new Set(['353', '366', '002', '003', '004', '250', '251', '252', '253', '254', '255', '265', '266', '372', '375']);
const UNUSED_REPLY_CODES: ReadonlySet<number> = new Set([...UNUSED_REPLIES].map(Number));

/**
 * RFC 1459 folding, the widest common casemapping: folding more than the server does can only
 * make a line look like ours and keep it, never drop one of ours.
 */
const RFC1459: Readonly<Record<string, string>> = { '[': '{', ']': '}', '\\': '|', '~': '^' };

function fold(nick: string): string {
  return nick.toLowerCase().replace(/[[\]\\~]/g, (c) => RFC1459[c] as string);
}

/** One ASCII character code folded as `fold` does. */
function foldCode(code: number): number {
  if (code >= 0x41 && code <= 0x5d) return code + 0x20; // A-Z [ \ ] → a-z { | }
  if (code === 0x7e) return 0x5e; // ~ → ^
  return code;
}

/**
 * `fold(nick) === folded` without building a string: other users' JOINs reach every puppet in
 * the channel (N² lines when N puppets join), and most differ from our nick in their length or
 * first characters. Non-ASCII nicks take the string path.
 */
function sameFolded(nick: string, folded: string): boolean {
  if (nick.length !== folded.length) return false;
  for (let i = 0; i < nick.length; i++) {
    const code = nick.charCodeAt(i);
    if (code > 0x7f) return fold(nick) === folded;
    if (foldCode(code) !== folded.charCodeAt(i)) return false;
  }
  return true;
}

const SPACE = 0x20;
const COLON = 0x3a;
const AT = 0x40;
const BANG = 0x21;
const CHANNEL_TARGET_BYTES: ReadonlySet<number> = new Set([...CHANNEL_TARGET_START].map((c) => c.charCodeAt(0)));

/**
 * `indexOf(byte)` within `[from, end)`, or -1. A loop, not `Buffer#indexOf`: the spans are a
 * line's first few dozen bytes, shorter than a call into the native search costs.
 */
function asciiIndexOf(bytes: Uint8Array, byte: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (bytes[i] === byte) return i;
  return -1;
}

/** What `surelyForeign` needs to know of a command (001 and NICK are `OTHER`: they are kept). */
const OTHER = 0;
const TO_TARGET_KIND = 1;
const ABOUT_SOURCE_KIND = 2;
const UNUSED_REPLY_KIND = 3;

const TO_TARGET_WORDS = [...TO_TARGET].map((w) => Buffer.from(w, 'latin1'));
const ABOUT_SOURCE_WORDS = [...ABOUT_SOURCE].map((w) => Buffer.from(w, 'latin1'));

/** `bytes[start, start + word.length)` is `word` (upper-case ASCII) in any case. */
function isWord(bytes: Uint8Array, start: number, word: Uint8Array): boolean {
  // Clearing bit 5 upper-cases ASCII letters, and no other byte becomes a letter by it.
  for (let i = 0; i < word.length; i++) if (((bytes[start + i] as number) & 0xdf) !== word[i]) return false;
  return true;
}

/** The filter's view of the command `bytes[start, end)`, as `accept` would upper-case it. */
function commandKind(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 3) {
    const a = (bytes[start] as number) - 0x30;
    const b = (bytes[start + 1] as number) - 0x30;
    const c = (bytes[start + 2] as number) - 0x30;
    const numeric = a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9;
    return numeric && UNUSED_REPLY_CODES.has(a * 100 + b * 10 + c) ? UNUSED_REPLY_KIND : OTHER;
  }
  for (const word of TO_TARGET_WORDS) if (word.length === length && isWord(bytes, start, word)) return TO_TARGET_KIND;
  for (const word of ABOUT_SOURCE_WORDS) if (word.length === length && isWord(bytes, start, word)) return ABOUT_SOURCE_KIND;
  return OTHER;
}

interface LineHead {
  /** The source's nick (prefix up to `!`/`@`), or undefined when the line has no prefix. */
  nick: string | undefined;
  command: string;
  /** The first parameter (without a leading `:`), or '' when there is none. */
  target: string;
}

/** Splits off tags, prefix, command and first parameter; undefined for a malformed line. */
export function lineHead(line: string): LineHead | undefined {
  let i = 0;
  if (line.startsWith('@')) {
    i = line.indexOf(' ');
    if (i === -1) return undefined;
  }
  while (line[i] === ' ') i++;
  let nick: string | undefined;
  if (line[i] === ':') {
    const end = line.indexOf(' ', i);
    if (end === -1) return undefined;
    const prefix = line.slice(i + 1, end);
    const bang = prefix.search(/[!@]/);
    nick = bang === -1 ? prefix : prefix.slice(0, bang);
    i = end;
    while (line[i] === ' ') i++;
  }
  let end = line.indexOf(' ', i);
  if (end === -1) end = line.length;
  const command = line.slice(i, end).toUpperCase();
  if (command === '') return undefined;
  i = end;
  while (line[i] === ' ') i++;
  if (line[i] === ':') return { nick, command, target: line.slice(i + 1) };
  end = line.indexOf(' ', i);
  return { nick, command, target: line.slice(i, end === -1 ? line.length : end) };
}

/**
 * Decides per line whether a puppet's client needs it. It learns its own nick from the welcome
 * (001) and from its own NICK changes; until then (registration) every line is kept.
 */
export class PuppetLineFilter {
  private ownNick: string | undefined;

  /** Forgets the nick (a new connection registers again). */
  reset(): void {
    this.ownNick = undefined;
  }

  /** True when the line must reach irc-framework. */
  accept(line: string): boolean {
    const head = lineHead(line);
    if (!head) return true;
    const { nick, command, target } = head;
    if (command === '001') {
      if (target !== '' && target !== '*') this.ownNick = fold(target);
      return true;
    }
    if (command === 'NICK') {
      if (nick !== undefined && this.ownNick !== undefined && fold(nick) === this.ownNick && target !== '') this.ownNick = fold(target);
      return true;
    }
    if (TO_TARGET.has(command)) return !CHANNEL_TARGET_START.includes(target[0] ?? ' ') || this.mayBeOwn(nick);
    if (ABOUT_SOURCE.has(command)) return this.mayBeOwn(nick);
    if (UNUSED_REPLIES.has(command)) return this.ownNick === undefined;
    return true;
  }

  /**
   * True when `accept` would drop the line `bytes[start, end)` (no CR/LF), decided without
   * decoding it. False means "decode and ask `accept`": lines it keeps, lines that change the
   * filter (001, NICK) and lines whose head is not plain ASCII.
   */
  surelyForeign(bytes: Uint8Array, start: number, end: number): boolean {
    if (this.ownNick === undefined) return false; // registering: everything is kept
    let i = start;
    if (bytes[i] === AT) {
      i = asciiIndexOf(bytes, SPACE, i, end);
      if (i < 0) return false;
    }
    while (i < end && bytes[i] === SPACE) i++;
    let nickStart = -1;
    let nickEnd = -1;
    if (i < end && bytes[i] === COLON) {
      const prefixEnd = asciiIndexOf(bytes, SPACE, i, end);
      if (prefixEnd < 0) return false;
      nickStart = i + 1;
      nickEnd = nickStart;
      while (nickEnd < prefixEnd && bytes[nickEnd] !== BANG && bytes[nickEnd] !== AT) nickEnd++;
      i = prefixEnd;
      while (i < end && bytes[i] === SPACE) i++;
    }
    const commandStart = i;
    while (i < end && bytes[i] !== SPACE) i++;
    const kind = commandKind(bytes, commandStart, i);
    if (kind === OTHER) return false;
    while (i < end && bytes[i] === SPACE) i++;
    if (i < end && bytes[i] === COLON) i++;
    // Up to here bytes and characters must be the same thing: a byte above 0x7f (UTF-8, or a
    // fallback encoding that may pair it with the next byte) leaves the line to the string path.
    for (let k = start; k <= i && k < end; k++) if ((bytes[k] as number) > 0x7f) return false;
    if (kind === UNUSED_REPLY_KIND) return true;
    if (kind === TO_TARGET_KIND && !(i < end && CHANNEL_TARGET_BYTES.has(bytes[i] as number))) return false;
    return nickStart >= 0 && this.surelyOther(bytes, nickStart, nickEnd);
  }

  /** `!mayBeOwn` for a nick in bytes already checked to be ASCII. */
  private surelyOther(bytes: Uint8Array, start: number, end: number): boolean {
    const own = this.ownNick as string;
    if (end === start) return false;
    if (end - start !== own.length) return true;
    for (let i = start; i < end; i++) if (foldCode(bytes[i] as number) !== own.charCodeAt(i - start)) return true;
    return false;
  }

  /** False only when `nick` is surely someone else's (no source or no nick yet: could be ours). */
  private mayBeOwn(nick: string | undefined): boolean {
    if (nick === undefined || nick === '' || this.ownNick === undefined) return true;
    return sameFolded(nick, this.ownNick);
  }
}
