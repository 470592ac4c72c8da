import { utf8Runs, wellFormedLength } from './utf8';

const bytes = (...values: Array<number | string>) => Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from([v]))));

describe('wellFormedLength', () => {
  it.each<[string, Buffer, number]>([
    ['ASCII', bytes(0x41), 1],
    ['two bytes (é)', bytes(0xc3, 0xa9), 2],
    ['three bytes (☕)', bytes(0xe2, 0x98, 0x95), 3],
    ['four bytes (😀)', bytes(0xf0, 0x9f, 0x98, 0x80), 4],
    ['the last code point U+10FFFF', bytes(0xf4, 0x8f, 0xbf, 0xbf), 4],
    ['U+E000 right after the surrogates', bytes(0xee, 0x80, 0x80), 3],
    ['a lone continuation byte', bytes(0x80), 0],
    ['overlong two-byte lead C0', bytes(0xc0, 0xaf), 0],
    ['overlong two-byte lead C1', bytes(0xc1, 0xbf), 0],
    ['overlong three-byte (E0 80..9F)', bytes(0xe0, 0x80, 0xaf), 0],
    ['overlong four-byte (F0 80..8F)', bytes(0xf0, 0x80, 0x80, 0xaf), 0],
    ['a UTF-16 surrogate (ED A0..BF)', bytes(0xed, 0xa0, 0x80), 0],
    ['past U+10FFFF (F4 90)', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['lead F5', bytes(0xf5, 0x80, 0x80, 0x80), 0],
    ['lead FF', bytes(0xff), 0],
    ['cut short at the end', bytes(0xe2, 0x98), 0],
    ['cut short by ASCII', bytes(0xe2, 0x98, 0x41), 0],
  ])('%s', (_what, input, length) => {
    expect(wellFormedLength(input, 0)).toBe(length);
  });
});

describe('utf8Runs', () => {
  it.each<[string, Buffer, Array<[boolean, number, number]>]>([
    ['all valid', bytes('a☕b'), [[true, 0, 5]]],
    ['empty', bytes(), []],
    ['one bad byte in the middle', bytes('a', 0xe9, 'b'), [[true, 0, 1], [false, 1, 2], [true, 2, 3]]],
    ['a cut-short sequence is one invalid run', bytes('a', 0xe2, 0x98, 'b'), [[true, 0, 1], [false, 1, 3], [true, 3, 4]]],
    ['adjacent invalid bytes join one run', bytes(0xe9, 0xe8, 0xff), [[false, 0, 3]]],
    ['a cut-short sequence before a valid one', bytes(0xe2, 0x98, 0xe2, 0x98, 0x95), [[false, 0, 2], [true, 2, 5]]],
    ['truncated at the end of the line', bytes('ok', 0xf0, 0x9f, 0x98), [[true, 0, 2], [false, 2, 5]]],
  ])('%s', (_what, input, runs) => {
    expect(utf8Runs(input).map((r) => [r.valid, r.start, r.end])).toEqual(runs);
  });
});
