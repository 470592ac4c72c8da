import { escapeNick, GhostIdTooLongError, GhostUserIds, unescapeNick } from './ghost-ids';
import { asIrcNick, asNetworkId } from './ids';

const ids = new GhostUserIds({ prefix: '_irc_', server: 'example.org' });
const libera = asNetworkId('libera');

/** Deterministic PRNG (mulberry32) so the property test is reproducible. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('escapeNick', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice', '_alice'],
    ['ALICE', '_a_l_i_c_e'],
    ['a_b', 'a__b'],
    ['a.b-c', 'a.b-c'],
    ['[m]', '=5bm=5d'],
    ['`^{}|\\', '=60=5e=7b=7d=7c=5c'],
    ['a=b', 'a=3db'],
    ['a/b+c', 'a/b=2bc'], // the spec keeps `/` (no IRC nick has one: RFC 2812)
    ['é', '=c3=a9'],
    ['😀', '=f0=9f=98=80'],
  ])('%j → %j', (nick, escaped) => {
    expect(escapeNick(nick)).toBe(escaped);
    expect(escaped).toMatch(/^[a-z0-9._=\-/]+$/);
    expect(unescapeNick(escaped)).toBe(nick);
  });

  it.each([
    ['=61', 'non-canonical escape of a literal'],
    ['=5B', 'upper-case hex'],
    ['_', 'dangling underscore'],
    ['_1', 'underscore before a digit'],
    ['=5', 'short escape'],
    ['=zz', 'bad hex'],
    ['=c3', 'truncated UTF-8'],
    ['=ff', 'invalid UTF-8'],
    ['A', 'upper-case letter'],
    ['a b', 'space'],
    ['a+b', 'plus, which the encoder escapes'],
  ])('unescapeNick rejects %j (%s)', (escaped) => {
    expect(unescapeNick(escaped)).toBeUndefined();
  });
});

describe('GhostUserIds', () => {
  it('builds and parses user IDs', () => {
    const userId = ids.userIdFor(libera, asIrcNick('Alice[m]'));
    expect(userId).toBe('@_irc_libera__alice=5bm=5d:example.org');
    expect(ids.parseUserId(userId)).toEqual({ network: 'libera', nick: 'Alice[m]' });
    expect(ids.parseLocalpart('_irc_libera__alice=5bm=5d')).toEqual({ network: 'libera', nick: 'Alice[m]' });
  });

  it('builds and parses the further ghosts of a nick, which no nick has as its own', () => {
    const second = ids.userIdFor(libera, asIrcNick('alice'), 2);
    expect(second).toBe('@_irc_libera_alice_2:example.org');
    expect(ids.parseUserId(second)).toEqual({ network: 'libera', nick: 'alice', copy: 2 });
    expect(ids.userIdFor(libera, asIrcNick('alice'), 1)).toBe(ids.userIdFor(libera, asIrcNick('alice')));
    // The nick "alice_2" has its own, different ID; so do nicks ending in "_".
    expect(ids.userIdFor(libera, asIrcNick('alice_2'))).toBe('@_irc_libera_alice__2:example.org');
    expect(ids.parseUserId('@_irc_libera_alice__2:example.org')).toEqual({ network: 'libera', nick: 'alice_2' });
    const underscored = ids.userIdFor(libera, asIrcNick('Al_'), 12);
    expect(underscored).toBe('@_irc_libera__al___12:example.org');
    expect(ids.parseUserId(underscored)).toEqual({ network: 'libera', nick: 'Al_', copy: 12 });
    expect(() => ids.userIdFor(libera, asIrcNick('alice'), 0)).toThrow(RangeError);
  });

  it.each([
    ['@_irc_libera_alice_1:example.org', 'copy 1 is the own ghost, never written'],
    ['@_irc_libera_alice_02:example.org', 'leading zero'],
    ['@_irc_libera_alice_:example.org', 'no copy number'],
    ['@_irc_libera__2:example.org', 'no nick before the copy'],
    ['@_irc_libera_=61_2:example.org', 'non-canonical nick before the copy'],
  ])('parseUserId rejects the further ghost %j (%s)', (userId) => {
    expect(ids.parseUserId(userId)).toBeUndefined();
  });

  it.each([
    ['@alice:example.org', 'no prefix'],
    ['@_irc_libera_alice:other.org', 'other homeserver'],
    ['@_irc_:example.org', 'nothing after the prefix'],
    ['@_irc_libera:example.org', 'no nick separator'],
    ['@_irc__alice:example.org', 'empty network'],
    ['@_irc_Libera_alice:example.org', 'network not lower-case'],
    ['@_irc_libera_:example.org', 'empty nick'],
    ['@_irc_libera_=23chan:example.org', 'decodes to a channel name'],
    ['@_irc_libera_a=20b:example.org', 'decodes to a nick with a space'],
    ['@_irc_libera_a=0d=0aquit:example.org', 'decodes to CR/LF'],
    ['_irc_libera_alice', 'not a user ID'],
  ])('parseUserId rejects %j (%s)', (userId) => {
    expect(ids.parseUserId(userId)).toBeUndefined();
  });

  it('round-trips many random nicks, including IRC specials and Unicode', () => {
    const alphabet = [...'abcxyzABCXYZ0189_-[]\\`^{}|=./+', 'é', 'ß', 'Ω', '名', '😀', '\u0301'];
    const random = prng(42);
    for (let i = 0; i < 2000; i++) {
      const length = 1 + Math.floor(random() * 16);
      let nick = '';
      for (let j = 0; j < length; j++) nick += alphabet[Math.floor(random() * alphabet.length)];
      if (/^[#&$+~%]/.test(nick)) nick = `x${nick}`;
      const userId = ids.userIdFor(libera, asIrcNick(nick));
      expect(userId).toMatch(/^@[a-z0-9._=\-/]+:example\.org$/);
      expect(ids.parseUserId(userId)).toEqual({ network: 'libera', nick });
    }
  });

  it('keeps nicks that differ only in case apart', () => {
    expect(ids.userIdFor(libera, asIrcNick('Bob'))).not.toBe(ids.userIdFor(libera, asIrcNick('bob')));
  });

  it('refuses a nick whose escaped form is longer than a user ID may be', () => {
    expect(() => ids.userIdFor(libera, asIrcNick('😀'.repeat(30)))).toThrow(GhostIdTooLongError);
  });

  it('validates its options', () => {
    expect(() => new GhostUserIds({ prefix: 'IRC_', server: 'example.org' })).toThrow(/prefix/);
    expect(() => new GhostUserIds({ prefix: '', server: 'example.org' })).toThrow(/prefix/);
    expect(() => new GhostUserIds({ prefix: '_irc_', server: 'exa mple' })).toThrow(/server/);
    expect(new GhostUserIds({ prefix: '_irc_', server: 'localhost:8448' }).server).toBe('localhost:8448');
  });

  it('produces a registration namespace that matches its own IDs only', () => {
    const re = new RegExp(`^${ids.namespaceRegex()}$`);
    expect(re.test(ids.userIdFor(libera, asIrcNick('Alice')))).toBe(true);
    expect(re.test('@alice:example.org')).toBe(false);
    expect(re.test('@_irc_x:exampleXorg')).toBe(false);
  });
});
