/**
 * Checks for raw IRC lines a Matrix user supplies (`!cmd`, auto-commands on connect). The
 * connection's `raw()` already refuses line breaks; these checks run earlier, when the line is
 * typed, so the user hears about the problem at once instead of at the next reconnect.
 */
import { AccountError } from './errors';

/** 512 bytes per line including CR LF (RFC 1459 2.3). */
export const MAX_RAW_LINE_BYTES = 510;

/** Commands that only make sense while registering, or that would end the connection. */
const REFUSED_AFTER_REGISTRATION = new Set(['PASS', 'USER', 'CAP', 'AUTHENTICATE', 'QUIT', 'SERVER']);

export interface RawLineOptions {
  /** Also refuse registration-only commands and QUIT (default true). */
  refuseSessionCommands?: boolean;
}

/**
 * Returns the line as it will be sent: trimmed, a client-style leading "/" removed. Throws
 * SETTING_INVALID with a message for the user when the line cannot be sent as one command.
 */
export function sanitizeRawLine(input: string, options: RawLineOptions = {}): string {
  if (/[\r\n\0]/.test(input)) {
    throw new AccountError('SETTING_INVALID', 'A raw IRC command must be a single line: line breaks and NUL are not allowed.');
  }
  let line = input.trim();
  if (line.startsWith('/')) line = line.slice(1).trimStart();
  if (line === '') throw new AccountError('SETTING_INVALID', 'The raw IRC command is empty. Example: PRIVMSG NickServ :INFO');
  const command = line.split(' ', 1)[0] ?? '';
  if (!/^(?:[A-Za-z]+|\d{3})$/.test(command)) {
    throw new AccountError('SETTING_INVALID', `"${command}" is not an IRC command: a line starts with a command word such as PRIVMSG, MODE or WHO.`);
  }
  if ((options.refuseSessionCommands ?? true) && REFUSED_AFTER_REGISTRATION.has(command.toUpperCase())) {
    throw new AccountError('SETTING_INVALID', `${command.toUpperCase()} cannot be sent this way: the bridge manages registration and disconnects itself (use !quit or !reconnect).`);
  }
  const bytes = Buffer.byteLength(line, 'utf8');
  if (bytes > MAX_RAW_LINE_BYTES) {
    throw new AccountError('SETTING_INVALID', `The raw IRC command is ${bytes} bytes long; IRC allows at most ${MAX_RAW_LINE_BYTES}.`);
  }
  return line;
}
