import { excerptOf } from './message-refs';

/** The rule the excerpt follows: whitespace runs become one space, trimmed, at most 400 code points. */
const reference = (text: string) => Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, 400).join('');

describe('excerptOf', () => {
  it.each([
    'hello world', 'a  b', ' lead', 'trail ', '\ttab', 'line\nbreak', 'nbsp\u00a0here', 'ideographic\u3000space', '', ' ', 'x',
  ])('flattens whitespace as the rule says: %j', (text) => {
    expect(excerptOf(text)).toBe(reference(text));
  });

  it('clips at 400 code points, never inside a surrogate pair', () => {
    const astral = '😀'.repeat(450);
    expect(excerptOf(astral)).toBe('😀'.repeat(400));
    expect(excerptOf('a'.repeat(401))).toBe('a'.repeat(400));
    // 300 astral characters are 600 code units but only 300 code points: kept whole.
    expect(excerptOf('😀'.repeat(300))).toBe('😀'.repeat(300));
  });
});
