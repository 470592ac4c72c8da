import { isBlank } from './blank';

describe('isBlank', () => {
  it.each<[string, string]>([
    ['empty', ''],
    ['ASCII spaces', '   '],
    ['line breaks only', '\n\n'],
    ['a tab and CRLF', '\t\r\n'],
    ['a no-break space', '\u00a0'],
    ['NBSP between spaces', ' \u00a0 '],
    ['a zero-width space', '\u200b'],
    ['zero-width (non-)joiners', '\u200c\u200d'],
    ['a word joiner and a BOM', '\u2060\ufeff'],
    ['a soft hyphen', '\u00ad'],
    ['an ideographic space', '\u3000'],
    ['a Hangul filler', '\u3164'],
    ['the blank Braille pattern', '\u2800'],
    ['a variation selector alone', '\ufe0f'],
    ['formatting codes around nothing', '\x02\x0304 \x0f'],
  ])('%s is blank', (_what, text) => {
    expect(isBlank(text)).toBe(true);
  });

  it.each<[string, string]>([
    ['a letter', 'a'],
    ['a letter among blanks', '\u200b a \u00a0'],
    ['an emoji', '😀'],
    ['an emoji with a variation selector', '\u2764\ufe0f'],
    ['a dot', '.'],
    ['bold text', '\x02x'],
  ])('%s is not blank', (_what, text) => {
    expect(isBlank(text)).toBe(false);
  });
});
