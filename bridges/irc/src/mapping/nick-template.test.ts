import { asUserId } from '@bridgekit/appservice';
import { asIrcNick } from './ids';
import { identFromTemplate, nickCandidates, nickFromTemplate, realnameFromTemplate, sanitizeNickText } from './nick-template';

const RFC2812_NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/;
const user = (userId: string, displayName?: string) => ({ userId: asUserId(userId), displayName });

describe('nickFromTemplate', () => {
  it.each<[string, ReturnType<typeof user>, number, string]>([
    ['$DISPLAY[m]', user('@alice:hs', 'Alice'), 9, 'Alice[m]'],
    ['$DISPLAY[m]', user('@alice:hs', 'Alexander'), 9, 'Alexan[m]'],
    ['$DISPLAY[m]', user('@alice:hs', 'Zoë Smith'), 30, 'Zoe_Smith[m]'],
    ['$DISPLAY[m]', user('@alice:hs', '😀😀'), 30, 'alice[m]'], // nothing usable: localpart
    ['$DISPLAY[m]', user('@alice:hs'), 30, 'alice[m]'],
    ['$DISPLAY', user('@bob:hs', '1337 h4x0r'), 30, '_1337_h4x0r'],
    ['$DISPLAY', user('@bob:hs', '-dash'), 30, '_-dash'],
    ['$LOCALPART', user('@carol.x=y:hs'), 30, 'carol_xy'],
    ['$USERID', user('@dave:example.org'), 30, 'dave_example_org'],
    ['M-$LOCALPART', user('@eve:hs'), 9, 'M-eve'],
    ['[matrix]$LOCALPART', user('@eve:hs'), 5, '[matr'], // literal longer than NICKLEN
    ['$DISPLAY', user('@x:hs', 'a\r\nQUIT :bye'), 30, 'a_QUIT_bye'],
    ['$DISPLAY', user('@x:hs', 'a\0b,c!d@e'), 30, 'abcde'],
    ['', user('@zed:hs'), 9, 'Mzed'],
    ['$DISPLAY$LOCALPART', user('@bob:hs', 'Robert'), 8, 'Robertbo'],
  ])('%j for %j (NICKLEN %d) → %j', (template, u, max, expected) => {
    const nick = nickFromTemplate(template, u, max);
    expect(nick).toBe(expected);
    expect(nick).toMatch(RFC2812_NICK);
    expect(nick.length).toBeLessThanOrEqual(max);
  });

  it('always yields a valid nick for hostile display names', () => {
    const hostile = ['', ' ', '\u202e', '#chan', ':colon', '123', '---', '\t\t', '名前', 'a'.repeat(500), '\u0000\u0001'];
    for (const displayName of hostile) {
      const nick = nickFromTemplate('$DISPLAY', user('@9lives:hs', displayName), 9);
      expect(nick).toMatch(RFC2812_NICK);
      expect(nick.length).toBeLessThanOrEqual(9);
    }
  });

  it('rejects a NICKLEN below 1', () => {
    expect(() => nickFromTemplate('$DISPLAY', user('@a:hs'), 0)).toThrow(RangeError);
  });
});

describe('sanitizeNickText', () => {
  it.each([
    ['Zoë', 'Zoe'],
    ['a  b', 'a_b'],
    ['a.b', 'a_b'],
    ['[]\\`_^{|}-', '[]\\`_^{|}-'],
    ['ｆｕｌｌ', 'full'],
    ['a:b!c@d', 'abcd'],
  ])('%j → %j', (input, expected) => expect(sanitizeNickText(input)).toBe(expected));
});

describe('nickCandidates', () => {
  it.each<[string, number, number, string[]]>([
    ['alice', 9, 5, ['alice', 'alice_', 'alice1', 'alice2', 'alice3']],
    ['alexander', 9, 4, ['alexander', 'alexande_', 'alexande1', 'alexande2']],
    ['bob', 9, 1, ['bob']],
    ['a', 1, 3, ['a', '_']],
  ])('%j (max %d, %d attempts) → %j', (nick, max, attempts, expected) => {
    expect([...nickCandidates(asIrcNick(nick), max, attempts)]).toEqual(expected);
  });

  it('stays within NICKLEN for two-digit suffixes', () => {
    const all = [...nickCandidates(asIrcNick('alexander'), 9, 14)];
    expect(all).toHaveLength(14);
    expect(all[all.length - 1]).toBe('alexand12');
    for (const n of all) expect(n.length).toBeLessThanOrEqual(9);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('identFromTemplate', () => {
  it.each<[string, ReturnType<typeof user>, string]>([
    ['$LOCALPART', user('@Alice.Smith:hs'), 'alicesmith'],
    ['$LOCALPART', user('@averyveryverylongname:hs'), 'averyveryv'],
    ['$LOCALPART', user('@___:hs'), 'matrix'],
    ['$DISPLAY', user('@x:hs', 'Zoë'), 'zoe'],
    ['m$LOCALPART', user('@a=b/c+d:hs'), 'mabcd'],
  ])('%j for %j → %j', (template, u, expected) => {
    const ident = identFromTemplate(template, u);
    expect(ident).toBe(expected);
    expect(ident).toMatch(/^[a-z0-9]{1,10}$/);
  });
});

describe('realnameFromTemplate', () => {
  it.each<[string, ReturnType<typeof user>, string]>([
    ['$DISPLAY ($USERID)', user('@alice:hs', 'Alice'), 'Alice (@alice:hs)'],
    ['$USERID', user('@alice:hs'), '@alice:hs'],
    ['$DISPLAY', user('@alice:hs', 'evil\r\nQUIT\0'), 'evil  QUIT'],
    ['', user('@alice:hs'), '@alice:hs'],
    ['$DISPLAY', user('@alice:hs', '😀'.repeat(100)), '😀'.repeat(64)],
  ])('%j for %j → %j', (template, u, expected) => {
    expect(realnameFromTemplate(template, u)).toBe(expected);
  });
});

describe('nickCandidates de-duplication', () => {
  it('skips a candidate equal to an earlier one', () => {
    expect([...nickCandidates(asIrcNick('bob_'), 4, 3)]).toEqual(['bob_', 'bob1', 'bob2']);
  });
});
