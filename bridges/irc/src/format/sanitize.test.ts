import iconv from 'iconv-lite';
import { assertEncoding, buildLine, decodeIrcLine, safeParam, safeTrailing, stripLineBreaks, UnsafeIrcParamError } from './sanitize';

describe('stripLineBreaks / safeTrailing', () => {
  it.each([
    ['hello', 'hello', 'hello'],
    ['a\r\nQUIT :bye', 'aQUIT :bye', 'a QUIT :bye'],
    ['a\nb\rc', 'abc', 'a b c'],
    ['a\0b', 'ab', 'ab'],
    ['\r\n\r\n', '', ' '],
    ['', '', ''],
    ['tab\tstays', 'tab\tstays', 'tab\tstays'],
  ])('%j → strip %j, trailing %j', (input, stripped, trailing) => {
    expect(stripLineBreaks(input)).toBe(stripped);
    expect(safeTrailing(input)).toBe(trailing);
  });
});

describe('safeParam', () => {
  it.each([
    ['#chan', '#chan'],
    ['nick[m]', 'nick[m]'],
    ['+o', '+o'],
  ])('accepts %j as %j', (input, expected) => expect(safeParam(input)).toBe(expected));

  it.each([
    ['', 'empty'],
    ['#chan\r\n', 'CR/LF'],
    ['#chan\n', 'LF'],
    ['nick\0', 'NUL'],
    ['#chan\r\nPRIVMSG #x :pwned', 'a second command'],
    ['#a b', 'space'],
    ['#a\tb', 'tab'],
    [':trailing', 'leading colon'],
    ['#a,#b', 'comma list'],
  ])('rejects %j (%s)', (input) => {
    expect(() => safeParam(input)).toThrow(UnsafeIrcParamError);
  });

  it('never puts a secret value (channel key, password) into the error', () => {
    let caught: unknown;
    try {
      safeParam('hunter2 x', { secret: 'the channel key' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnsafeIrcParamError);
    expect((caught as UnsafeIrcParamError).message).toBe("The channel key cannot be sent to IRC: it contains whitespace. Use one without spaces, commas or a leading ':'.");
    expect((caught as UnsafeIrcParamError).value).toBe('(the channel key)');
    expect(() => safeParam('a b')).toThrow('"a b" cannot be sent to IRC as a single name');
  });

  it('allows commas when asked (mode lists, targets)', () => {
    expect(safeParam('#a,#b', { allowComma: true })).toBe('#a,#b');
  });
});

describe('buildLine', () => {
  it.each<[string, string[], string | undefined, string]>([
    ['PRIVMSG', ['#chan'], 'hi there', 'PRIVMSG #chan :hi there'],
    ['TOPIC', ['#chan'], 'evil\r\nQUIT :x', 'TOPIC #chan :evil QUIT :x'],
    ['TOPIC', ['#chan'], '', 'TOPIC #chan :'],
    ['MODE', ['#chan', '+o', 'alice'], undefined, 'MODE #chan +o alice'],
  ])('%s %j %j → %j', (command, params, trailing, line) => {
    expect(buildLine(command, params, trailing)).toBe(line);
  });

  it('never yields more than one line', () => {
    expect(() => buildLine('JOIN', ['#chan\r\nQUIT'])).toThrow(UnsafeIrcParamError);
    expect(() => buildLine('PRIVMSG\r\nQUIT', ['#chan'], 'x')).toThrow(UnsafeIrcParamError);
    expect(buildLine('PRIVMSG', ['#chan'], 'a\r\nQUIT').split(/[\r\n]/)).toHaveLength(1);
  });
});

describe('decodeIrcLine', () => {
  it('decodes valid UTF-8 as UTF-8', () => {
    expect(decodeIrcLine(Buffer.from('héllo 😀', 'utf8'), 'latin1')).toBe('héllo 😀');
  });
  it.each<[string, Buffer, string, string]>([
    ['one bad byte leaves the valid UTF-8 around it alone', Buffer.concat([Buffer.from('mixed ☕ then ', 'utf8'), Buffer.from([0xe9])]), 'cp1252', 'mixed ☕ then é'],
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62]), 'cp1252', 'a€b'],
    ['a continuation byte after a valid character', Buffer.concat([Buffer.from('☕', 'utf8'), Buffer.from([0x99])]), 'cp1252', '☕™'],
    ['a sequence cut short at the end of the line', Buffer.concat([Buffer.from('x ', 'utf8'), Buffer.from([0xe2, 0x98])]), 'cp1252', 'x â˜'],
    ['a four-byte sequence cut short at the end', Buffer.concat([Buffer.from('x ', 'utf8'), Buffer.from([0xf0, 0x9f, 0x98])]), 'cp1252', 'x ðŸ˜'],
    ['a sequence cut short by ASCII', Buffer.from([0xe2, 0x98, 0x41]), 'cp1252', 'â˜A'],
    ['an overlong "/" (C0 AF)', Buffer.from([0xc0, 0xaf]), 'cp1252', 'À¯'],
    ['an overlong three-byte form', Buffer.from([0xe0, 0x80, 0xaf]), 'cp1252', 'à€¯'],
    ['an encoded surrogate (ED A0 80)', Buffer.from([0xed, 0xa0, 0x80]), 'cp1252', 'í\u00a0€'],
    ['Latin-1 words between UTF-8 ones', Buffer.concat([Buffer.from('😀 ', 'utf8'), Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from(' ü', 'utf8')]), 'latin1', '😀 café ü'],
    ['a KOI8-R word next to an emoji', Buffer.concat([iconv.encode('привет', 'koi8-r'), Buffer.from(' 😀', 'utf8')]), 'koi8-r', 'привет 😀'],
  ])('%s', (_what, input, fallback, expected) => {
    expect(decodeIrcLine(input, fallback)).toBe(expected);
  });
  it('falls back to the configured encoding for invalid UTF-8', () => {
    expect(decodeIrcLine(Buffer.from([0x68, 0xe9, 0x6c]), 'latin1')).toBe('hél');
    expect(decodeIrcLine(iconv.encode('привет', 'koi8-r'), 'koi8-r')).toBe('привет');
    expect(decodeIrcLine(Buffer.from([0x80]), 'cp1252')).toBe('€');
  });
  it('names the setting when the fallback encoding is unknown', () => {
    expect(() => decodeIrcLine(Buffer.from([0xff]), 'klingon')).toThrow(/fallback encoding/);
    expect(() => assertEncoding('utf8')).not.toThrow();
  });
});
