import { applyCode, codesFor, PLAIN, stripMirc, tokenizeMirc, type MircStyle } from './mirc';

function styleAfter(text: string): MircStyle {
  return tokenizeMirc(text).reduce((s, t) => (t.type === 'code' ? applyCode(s, t.code) : s), PLAIN);
}

describe('tokenizeMirc', () => {
  it.each([
    ['plain', [{ type: 'text', text: 'plain' }]],
    ['\x02b\x02', [{ type: 'code', code: '\x02' }, { type: 'text', text: 'b' }, { type: 'code', code: '\x02' }]],
    ['\x034,12x', [{ type: 'code', code: '\x034,12' }, { type: 'text', text: 'x' }]],
    ['\x03123', [{ type: 'code', code: '\x0312' }, { type: 'text', text: '3' }]],
    ['\x034,x', [{ type: 'code', code: '\x034' }, { type: 'text', text: ',x' }]],
    ['\x03,5x', [{ type: 'code', code: '\x03' }, { type: 'text', text: ',5x' }]],
    ['\x04FF0000,00ff00z', [{ type: 'code', code: '\x04FF0000,00ff00' }, { type: 'text', text: 'z' }]],
    ['\x04FF00z', [{ type: 'code', code: '\x04' }, { type: 'text', text: 'FF00z' }]],
    ['a\x03', [{ type: 'text', text: 'a' }, { type: 'code', code: '\x03' }]],
  ])('%j', (text, tokens) => {
    expect(tokenizeMirc(text)).toEqual(tokens);
  });
});

describe('applyCode', () => {
  it.each<[string, Partial<MircStyle>]>([
    ['\x02', { bold: true }],
    ['\x02\x02', {}],
    ['\x1d\x1f\x1e\x11\x16', { italic: true, underline: true, strikethrough: true, monospace: true, reverse: true }],
    ['\x02\x1d\x0f', {}],
    ['\x034', { fg: { index: 4 } }],
    ['\x0304,05', { fg: { index: 4 }, bg: { index: 5 } }],
    ['\x034,5\x038', { fg: { index: 8 }, bg: { index: 5 } }], // bg survives a fg-only change
    ['\x034,5\x03', {}],
    ['\x0399,99', {}],
    ['\x0352', { fg: { index: 52 } }],
    ['\x04ff8800', { fg: { hex: 'ff8800' } }],
    ['\x04FF8800,000000\x04', {}],
  ])('%j', (codes, expected) => {
    expect(styleAfter(codes)).toEqual({ ...PLAIN, ...expected });
  });
});

describe('codesFor', () => {
  it.each<[string, string, string]>([
    ['', 'x', ''],
    ['\x02', 'x', '\x02'],
    ['\x034', 'x', '\x0304'],
    ['\x034', ',5', '\x0304\x02\x02'],
    ['\x034', '5', '\x0304'],
    ['\x034,3', ',5', '\x0304,03'],
    ['\x04aabbcc', ',112233', '\x04aabbcc\x02\x02'],
    ['\x034\x02', '5', '\x0304\x02'],
    ['\x0399,3', 'x', '\x0399,03'],
    ['\x04aabbcc,112233', 'x', '\x04aabbcc,112233'],
    ['\x0312,01\x04ff0000', 'x', '\x0399,01\x04ff0000'],
    ['\x04ff0000,00ff00\x0312', 'x', '\x04000000,00ff00\x0312'],
    ['\x04ff0000,00ff00\x0399', 'x', '\x04000000,00ff00\x0399'],
    ['\x04ff0000', 'x', '\x04ff0000'],
  ])('reopens %j before %j as %j', (codes, next, expected) => {
    const reopened = codesFor(styleAfter(codes), next);
    expect(reopened).toBe(expected);
    // Re-reading the codes followed by the text gives the same style and the same text.
    expect(styleAfter(reopened)).toEqual(styleAfter(codes));
    expect(stripMirc(reopened + next)).toBe(next);
  });
});

describe('stripMirc', () => {
  it.each([
    ['\x02bold\x02 \x0304,05red\x03 \x1ditalic\x0f', 'bold red italic'],
    ['\x0312345', '345'],
    ['\x04abcdefhex', 'hex'],
  ])('%j → %j', (input, expected) => expect(stripMirc(input)).toBe(expected));
});
