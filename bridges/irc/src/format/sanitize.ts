/**
 * The anti-injection guarantee: nothing the bridge sends to an IRC server can contain CR, LF or
 * NUL, because each of them ends (or corrupts) an IRC line and a Matrix user could otherwise
 * smuggle a second command ("#chan\r\nQUIT") into a JOIN, TOPIC or PRIVMSG. Every parameter
 * bound for IRC goes through `safeParam` (refuses them) or `safeTrailing` (strips them); `IrcConnection` applies them, so a
 * handler cannot forget.
 *
 * Incoming bytes are decoded here too: IRC has no declared encoding, most traffic is UTF-8 but
 * old clients still send Latin-1 or CP1252, so the bytes of a line that are not valid UTF-8 are
 * decoded with a configured fallback instead of turning into replacement characters.
 */
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { IrcError } from '../irc/errors';
import { utf8Runs } from './utf8';

/**
 * Thrown when a value cannot be one IRC middle parameter even after stripping CR/LF/NUL. For a
 * secret (channel key, password) the message and `value` name only what it is, never the value:
 * the message reaches logs and the user's room.
 */
export class UnsafeIrcParamError extends IrcError {
  readonly value: string;

  constructor(value: string, reason: string, options: { secret?: string } = {}) {
    const shown = options.secret ?? JSON.stringify(value);
    super('IRC_UNSAFE_PARAM', options.secret !== undefined
      ? `${capitalize(options.secret)} cannot be sent to IRC: ${reason}. Use one without spaces, commas or a leading ':'.`
      : `${shown} cannot be sent to IRC as a single name: ${reason}. Use a name without spaces, commas or a leading ':'.`);
    this.name = 'UnsafeIrcParamError';
    this.value = options.secret !== undefined ? `(${options.secret})` : value;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const LINE_BREAKS = /[\r\n]+/g;
const NUL = /\0/g;

/** Removes CR, LF and NUL. The minimum for anything written to the socket. */
export function stripLineBreaks(text: string): string {
  return text.replace(LINE_BREAKS, '').replace(NUL, '');
}

/**
 * A trailing parameter (message text, topic, reason): may contain spaces. Each run of CR/LF
 * becomes one space so "line1\nline2" stays readable as "line1 line2"; NUL is dropped.
 */
export function safeTrailing(text: string): string {
  return text.replace(NUL, '').replace(LINE_BREAKS, ' ');
}

/**
 * A middle parameter (channel, nick, key, mode). CR, LF and NUL are refused rather than stripped:
 * "#a\r\nb" is never a real name, and silently joining "#ab" instead would surprise the user.
 * It must also be non-empty, contain no whitespace and not start with ':' (which would turn it
 * into the trailing parameter and swallow the rest of the line). A comma is refused unless
 * allowed: JOIN and PART read it as a list separator, so "#a,#b" would join two channels.
 * `secret` names a value that must not be echoed (e.g. "the channel key"): errors say that instead.
 */
export function safeParam(value: string, options: { allowComma?: boolean; secret?: string } = {}): string {
  const refuse = (reason: string) => new UnsafeIrcParamError(value, reason, options.secret !== undefined ? { secret: options.secret } : {});
  if (/[\r\n\0]/.test(value)) throw refuse('it contains a line break or NUL');
  if (value.length === 0) throw refuse('it is empty');
  if (/\s/.test(value)) throw refuse('it contains whitespace');
  if (value.startsWith(':')) throw refuse("it starts with ':'");
  if (!options.allowComma && value.includes(',')) throw refuse('it contains a comma');
  return value;
}

/**
 * Builds one raw IRC line from a command, middle parameters and an optional trailing parameter,
 * all made safe. The only way the facade builds lines, so injection is impossible by construction.
 */
export function buildLine(command: string, params: readonly string[], trailing?: string): string {
  const cmd = safeParam(command);
  const middles = params.map((p) => safeParam(p, { allowComma: true }));
  const parts = [cmd, ...middles];
  if (trailing !== undefined) parts.push(`:${safeTrailing(trailing)}`);
  return parts.join(' ');
}

/**
 * Decodes one line (or one field of a line) received from IRC. Valid UTF-8 stays UTF-8; only the
 * bytes that are not (see utf8.ts) are decoded with `fallbackEncoding` (any iconv-lite encoding,
 * e.g. 'latin1', 'cp1252', 'koi8-r'), each invalid run as a whole so a multi-byte fallback still
 * sees its byte pairs. So `mixed ☕ then <E9 in cp1252>` keeps its emoji and gets its "é".
 * Unknown fallback encodings throw, so a config typo is found at startup.
 */
export function decodeIrcLine(bytes: Uint8Array, fallbackEncoding: string): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return buffer.toString('utf8');
  assertEncoding(fallbackEncoding);
  return utf8Runs(buffer).map((run) => {
    const piece = buffer.subarray(run.start, run.end);
    return run.valid ? piece.toString('utf8') : iconv.decode(piece, fallbackEncoding);
  }).join('');
}

/** Throws an error naming the setting when iconv-lite does not know `encoding`. */
export function assertEncoding(encoding: string): void {
  if (!iconv.encodingExists(encoding)) {
    throw new RangeError(`Unknown IRC fallback encoding ${JSON.stringify(encoding)}: use one iconv-lite knows, such as "latin1", "cp1252" or "koi8-r".`);
  }
}
