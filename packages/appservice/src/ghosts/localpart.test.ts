import { buildUserId, escapeLocalpart, InvalidUserIdError, MAX_USER_ID_BYTES, unescapeLocalpart } from './localpart';

describe('localpart escaping (spec appendix: mapping from other character sets)', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice', '_alice'],
    ['snake_case', 'snake__case'],
    ['a.b-c/d', 'a.b-c/d'],
    ['a=b', 'a=3db'],
    ['[bot]', '=5bbot=5d'],
    ['café', 'caf=c3=a9'],
    ['a b:c@d', 'a=20b=3ac=40d'],
    ['U0123ABC', '_u0123_a_b_c'],
  ])('%j → %j, and back', (name, escaped) => {
    expect(escapeLocalpart(name)).toBe(escaped);
    expect(unescapeLocalpart(escaped)).toBe(name);
  });

  it('round-trips arbitrary strings, and every result is in the localpart grammar', () => {
    const samples = ['', 'ÄÖÜ', '日本語', 'emoji 🎉', 'tab\tnew\nline', '__', '_=_', 'x'.repeat(300)];
    for (let code = 0; code < 0x250; code++) samples.push(`a${String.fromCharCode(code)}Z`);
    for (const name of samples) {
      const escaped = escapeLocalpart(name);
      expect(escaped).toMatch(/^[a-z0-9._=\-/]*$/);
      expect(unescapeLocalpart(escaped)).toBe(name);
    }
  });

  it('parses only the canonical spelling, so one name has one localpart', () => {
    expect(unescapeLocalpart('=61')).toBeUndefined(); // `a` spelled as a hex escape
    expect(unescapeLocalpart('_1')).toBeUndefined(); // `_` before a digit is no escape
    expect(unescapeLocalpart('A')).toBeUndefined(); // upper case is never literal
    expect(unescapeLocalpart('=c3')).toBeUndefined(); // half a UTF-8 sequence
    expect(unescapeLocalpart('=zz')).toBeUndefined();
  });
});

describe('buildUserId', () => {
  it('builds a user ID from a valid localpart', () => {
    expect(buildUserId('_irc_libera_alice', 'example.org')).toBe('@_irc_libera_alice:example.org');
  });

  it.each([
    ['', 'empty'],
    ['Alice', 'a-z'],
    ['a b', 'a-z'],
    ['a:b', 'a-z'],
  ])('refuses %j with a typed error saying why', (localpart, why) => {
    let caught: unknown;
    try { buildUserId(localpart, 'example.org'); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(InvalidUserIdError);
    expect((caught as InvalidUserIdError).code).toBe('USER_ID_INVALID');
    expect((caught as Error).message).toContain(why);
  });

  it('counts bytes against the 255 limit: exactly 255 passes, 256 is refused', () => {
    const server = 'example.org';
    const fits = 'a'.repeat(MAX_USER_ID_BYTES - `@:${server}`.length);
    expect(buildUserId(fits, server)).toHaveLength(MAX_USER_ID_BYTES);
    expect(() => buildUserId(`${fits}a`, server)).toThrow(/256 bytes long/);
  });
});
