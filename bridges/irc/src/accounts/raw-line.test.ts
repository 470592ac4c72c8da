import { AccountError } from './errors';
import { MAX_RAW_LINE_BYTES, sanitizeRawLine } from './raw-line';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof AccountError && error.code === 'SETTING_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected SETTING_INVALID');
}

describe('sanitizeRawLine', () => {
  it.each([
    ['PRIVMSG NickServ :IDENTIFY pass', 'PRIVMSG NickServ :IDENTIFY pass'],
    ['  MODE me +x  ', 'MODE me +x'],
    ['/mode me +i', 'mode me +i'],
    ['/ WHO #chan', 'WHO #chan'],
    ['421 weird numeric', '421 weird numeric'],
  ])('accepts %j as %j', (input, output) => {
    expect(sanitizeRawLine(input)).toBe(output);
  });

  it.each([
    ['a line break', 'PRIVMSG x :a\r\nQUIT', 'single line'],
    ['a bare LF', 'JOIN #a\nQUIT', 'single line'],
    ['NUL', 'PRIVMSG x :a\0b', 'single line'],
    ['an empty line', '   ', 'empty'],
    ['a slash only', '/', 'empty'],
    ['a non-command first word', '#chan hello', 'not an IRC command'],
    ['QUIT', 'quit :bye', 'QUIT cannot be sent'],
    ['PASS', 'PASS secret', 'PASS cannot be sent'],
    ['CAP', 'CAP REQ :sasl', 'CAP cannot be sent'],
  ])('refuses %s', (_name, input, expected) => {
    expect(messageOf(() => sanitizeRawLine(input))).toContain(expected);
  });

  it('allows session commands when asked to', () => {
    expect(sanitizeRawLine('QUIT :bye', { refuseSessionCommands: false })).toBe('QUIT :bye');
  });

  it('counts bytes, not characters, against the 510-byte limit', () => {
    const prefix = 'PRIVMSG x :';
    expect(sanitizeRawLine(prefix + 'a'.repeat(MAX_RAW_LINE_BYTES - prefix.length))).toHaveLength(MAX_RAW_LINE_BYTES);
    expect(messageOf(() => sanitizeRawLine(prefix + 'é'.repeat(MAX_RAW_LINE_BYTES / 2)))).toContain('at most 510');
  });
});
