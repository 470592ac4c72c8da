import { CommandError } from './errors';
import { ArgCursor, tokenize } from './tokenize';

describe('tokenize', () => {
  it.each<[string, string[]]>([
    ['', []],
    ['   ', []],
    ['a b  c', ['a', 'b', 'c']],
    ['  lead and trail  ', ['lead', 'and', 'trail']],
    ['"two words" three', ['two words', 'three']],
    ["'single quoted' x", ['single quoted', 'x']],
    ['"it\'s" \'say "hi"\'', ["it's", 'say "hi"']],
    ['"esc \\"q\\" and \\\\"', ['esc "q" and \\']],
    ['"keep \\n as is"', ['keep \\n as is']],
    ['a"b c"d', ['ab cd']],
    ['""', ['']],
    ['tab\tsep\nnewline', ['tab', 'sep', 'newline']],
    ['ünï "cödé ✓"', ['ünï', 'cödé ✓']],
  ])('splits %j', (input, words) => {
    expect(tokenize(input)).toEqual(words);
  });

  it.each(['"open', "it's", 'a "b c'])('refuses the unclosed quote in %j', (input) => {
    expect(() => tokenize(input)).toThrow(CommandError);
    expect(() => tokenize(input)).toThrow('never closed');
  });
});

describe('ArgCursor', () => {
  it('hands out the rest of the line verbatim, quotes included', () => {
    const cursor = new ArgCursor('  libera  my "pass word\'  ');
    expect(cursor.peek()).toBe('libera');
    expect(cursor.restAfterPeek()).toBe('my "pass word\'  ');
    expect(cursor.next()).toBe('libera');
    expect(cursor.rest()).toBe('my "pass word\'  ');
    expect(cursor.done).toBe(true);
    expect(cursor.next()).toBeUndefined();
  });

  it('peeks without consuming', () => {
    const cursor = new ArgCursor('one two');
    expect(cursor.peek()).toBe('one');
    expect(cursor.peek()).toBe('one');
    expect(cursor.words()).toEqual(['one', 'two']);
  });
});
