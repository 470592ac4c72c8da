import { compilePythonRegex, escapeRegex } from './python-regex';

describe('compilePythonRegex', () => {
  it('anchors at the start only, like re.match', () => {
    const re = compilePythonRegex('@_irc_.*');
    expect(re.test('@_irc_alice:example.org')).toBe(true);
    expect(re.test('@bob:example.org @_irc_x')).toBe(false);
    expect(compilePythonRegex('@a').test('@abc')).toBe(true); // not anchored at the end
  });

  it('anchors every alternative', () => {
    const re = compilePythonRegex('@a.*|@b.*');
    expect(re.test('x@b')).toBe(false);
    expect(re.test('@b1')).toBe(true);
  });

  it('translates Python-only spellings', () => {
    expect(compilePythonRegex('\\A@x\\Z').test('@x')).toBe(true);
    expect(compilePythonRegex('\\A@x\\Z').test('@xy')).toBe(false);
    expect(compilePythonRegex('@(?P<nick>[a-z]+)_(?P=nick)').test('@ab_ab')).toBe(true);
    expect(compilePythonRegex('@(?P<nick>[a-z]+)_(?P=nick)').test('@ab_cd')).toBe(false);
    expect(compilePythonRegex('@irc(?# puppets)_.*').test('@irc_x')).toBe(true);
    expect(compilePythonRegex('(?i)@IRC_.*').test('@irc_x')).toBe(true);
  });

  it('leaves escapes and character classes alone', () => {
    expect(compilePythonRegex('[\\AZ]').test('Z')).toBe(true);
    expect(compilePythonRegex('\\\\Z').test('\\Z')).toBe(true);
    expect(compilePythonRegex('[]a]').test(']')).toBe(true);
  });

  it('rejects what JavaScript cannot express, with the reason', () => {
    expect(() => compilePythonRegex('(?x)@ a')).toThrow(/verbose mode/);
    expect(() => compilePythonRegex('@a(?i)b')).toThrow(/only allowed at the very start/);
    expect(() => compilePythonRegex('@a*+')).toThrow(SyntaxError); // possessive quantifier
    expect(() => compilePythonRegex('@a\\')).toThrow(/lone backslash/);
  });
});

describe('escapeRegex', () => {
  it('makes text match literally', () => {
    const text = 'a.b*c+(d)[e]{f}|g^h$i?\\';
    expect(compilePythonRegex(escapeRegex(text)).test(text)).toBe(true);
    expect(escapeRegex('example.org')).toBe('example\\.org');
    expect(escapeRegex('_irc_')).toBe('_irc_');
  });
});
