import { asUserId } from '@bridgekit/appservice';
import { channelRefusal, userRefusal } from './access';
import { compilePattern, matchesAny } from './patterns';

describe('access patterns', () => {
  it.each([
    ['#ops-*', '#OPS-team', true],
    ['#ops-*', '#opsteam', false],
    ['#a?c', '#abc', true],
    ['#a.c', '#abc', false], // a dot is a dot in a glob
    ['@*:spam.example', '@bob:spam.example', true],
    ['@*:spam.example', '@bob:spam.example.org', false],
    ['/^@bot-\\d+:/', '@bot-12:hs', true],
    ['/^@bot-\\d+:/', '@robot-12:hs', false],
    ['/staff/i', '#STAFF-room', true],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(compilePattern(pattern)(value)).toBe(expected);
  });

  it('says what is wrong with a regular expression that does not compile', () => {
    expect(() => compilePattern('/(unclosed/')).toThrow(/^is not a valid regular expression \(/);
  });

  it('folds channel names the way the network does', () => {
    const rfc1459 = (s: string) => s.toLowerCase().replace(/\[/g, '{').replace(/\]/g, '}');
    expect(matchesAny(['#team[x]'], '#TEAM{X}', rfc1459)).toBe(true);
  });
});

describe('access lists', () => {
  const none = { excludeChannels: [], allowChannels: [], excludeUsers: [], allowUsers: [] };
  const lower = (s: string) => s.toLowerCase();

  it('allows everything by default', () => {
    expect(channelRefusal(none, 'Libera', '#any', lower)).toBeUndefined();
    expect(userRefusal(none, 'Libera', asUserId('@a:hs'))).toBeUndefined();
  });

  it('refuses excluded channels and users with one sentence naming the network; exclusion beats an allow list', () => {
    const access = { ...none, excludeChannels: ['#secret*'], allowChannels: ['#secret-but-allowed', '#open'], excludeUsers: ['@*:bad.example'] };
    expect(channelRefusal(access, 'Libera', '#Secret-but-allowed', lower)).toBe("The bridge's admin does not allow #Secret-but-allowed on Libera to be bridged.");
    expect(channelRefusal(access, 'Libera', '#open', lower)).toBeUndefined();
    expect(channelRefusal(access, 'Libera', '#other', lower)).toMatch(/does not allow #other/);
    expect(userRefusal(access, 'Libera', asUserId('@eve:bad.example'))).toBe("The bridge's admin does not allow your account to use Libera.");
  });

  it('admits only users on a non-empty allow list', () => {
    const access = { ...none, allowUsers: ['@*:good.example'] };
    expect(userRefusal(access, 'Libera', asUserId('@a:good.example'))).toBeUndefined();
    expect(userRefusal(access, 'Libera', asUserId('@a:other.example'))).toBeDefined();
  });
});
