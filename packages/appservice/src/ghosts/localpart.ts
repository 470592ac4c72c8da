/**
 * User ID localparts: the spec's grammar, and its reversible mapping from other character sets
 * (appendix "Mapping from other character sets"), so any remote name becomes a valid localpart
 * and two different names never become the same one.
 *
 * The mapping, applied to the name's UTF-8 bytes:
 *   - `a-z 0-9 . - /` stay as they are;
 *   - `A-Z` become `_` + the lower-case letter, and `_` becomes `__`;
 *   - every other byte (including `=`) becomes `=` + two lower-case hex digits (`é` → `=c3=a9`).
 * `unescapeLocalpart` accepts only this canonical form, so every name has exactly one localpart.
 */
import { isUtf8 } from 'node:buffer';
import { BridgeError } from '../errors/bridge-error';

/** The spec's grammar for new user IDs (`+` since v1.8). */
const LOCALPART = /^[a-z0-9._=\-/+]+$/;
const LITERAL = /^[a-z0-9./-]$/;
/** The spec's limit on a whole user ID, `@localpart:server`, in bytes. */
export const MAX_USER_ID_BYTES = 255;

/** A localpart the homeserver would refuse: thrown before any request is made with it. */
export class InvalidUserIdError extends BridgeError {
  constructor(readonly userId: string, reason: string) {
    super('USER_ID_INVALID', `${JSON.stringify(userId)} is not a valid Matrix user ID: ${reason}`, { details: { userId } });
    this.name = 'InvalidUserIdError';
  }
}

/** Escapes any string into the localpart alphabet, reversibly. */
export function escapeLocalpart(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (byte >= 0x41 && byte <= 0x5a) out += `_${ch.toLowerCase()}`;
    else if (ch === '_') out += '__';
    else if (LITERAL.test(ch)) out += ch;
    else out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `escapeLocalpart`; undefined for anything it cannot have produced. */
export function unescapeLocalpart(escaped: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i] as string;
    if (ch === '_') {
      const next = escaped[i + 1];
      if (next === '_') bytes.push(0x5f);
      else if (next !== undefined && next >= 'a' && next <= 'z') bytes.push(next.toUpperCase().charCodeAt(0));
      else return undefined;
      i++;
    } else if (ch === '=') {
      const hex = escaped.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (LITERAL.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      return undefined;
    }
  }
  const buf = Buffer.from(bytes);
  if (!isUtf8(buf)) return undefined;
  const name = buf.toString('utf8');
  // `=61` for `a` would give one name two localparts: only the canonical spelling parses.
  return escapeLocalpart(name) === escaped ? name : undefined;
}

/**
 * `@localpart:server`, checked against the grammar and the length limit.
 * @throws InvalidUserIdError naming what is wrong.
 */
export function buildUserId(localpart: string, server: string): string {
  const userId = `@${localpart}:${server}`;
  if (!localpart) throw new InvalidUserIdError(userId, 'the localpart is empty');
  if (!LOCALPART.test(localpart)) {
    throw new InvalidUserIdError(userId, 'a localpart may only contain a-z, 0-9 and . _ = - / + (escape other names with escapeLocalpart)');
  }
  const bytes = Buffer.byteLength(userId, 'utf8');
  if (bytes > MAX_USER_ID_BYTES) throw new InvalidUserIdError(userId, `it is ${bytes} bytes long, and at most ${MAX_USER_ID_BYTES} are allowed`);
  return userId;
}

export function isValidLocalpart(localpart: string): boolean {
  return LOCALPART.test(localpart);
}
