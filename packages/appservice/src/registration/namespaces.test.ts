import { NamespaceMatcher } from './namespaces';
import type { Registration } from './types';

const reg: Registration = {
  id: 'irc',
  url: 'http://127.0.0.1:8090',
  asToken: 'a'.repeat(64),
  hsToken: 'b'.repeat(64),
  senderLocalpart: 'ircbot',
  namespaces: {
    users: [
      { exclusive: true, regex: '@_irc_.*:example\\.org' },
      { exclusive: false, regex: '@shared_.*' },
    ],
    aliases: [{ exclusive: true, regex: '#_irc_.*:example\\.org' }, { exclusive: false, regex: '#lobby.*' }],
    rooms: [{ exclusive: false, regex: '!bridged.*' }],
  },
  rateLimited: false,
};

describe('NamespaceMatcher', () => {
  const m = new NamespaceMatcher(reg, 'example.org');

  it('matches users in any namespace and exclusive ones separately', () => {
    expect(m.isUserInNamespace('@_irc_alice:example.org')).toBe(true);
    expect(m.isExclusiveUser('@_irc_alice:example.org')).toBe(true);
    expect(m.isUserInNamespace('@shared_bob:example.org')).toBe(true);
    expect(m.isExclusiveUser('@shared_bob:example.org')).toBe(false);
    expect(m.isUserInNamespace('@alice:example.org')).toBe(false);
    expect(m.isUserInNamespace('@_irc_alice:example.org.evil')).toBe(true); // re.match: no end anchor
    expect(m.isUserInNamespace('@_irc_alice:exampleXorg')).toBe(false); // the dot is escaped
  });

  it('counts the bot as an exclusive user', () => {
    expect(m.botUserId).toBe('@ircbot:example.org');
    expect(m.isBot('@ircbot:example.org')).toBe(true);
    expect(m.isUserInNamespace('@ircbot:example.org')).toBe(true);
    expect(m.isExclusiveUser('@ircbot:example.org')).toBe(true);
    expect(m.isUserInNamespace('@ircbot:other.org')).toBe(false);
  });

  it('matches aliases and rooms', () => {
    expect(m.isAliasInNamespace('#_irc_#matrix:example.org')).toBe(true);
    expect(m.isExclusiveAlias('#_irc_#matrix:example.org')).toBe(true);
    expect(m.isAliasInNamespace('#lobby2:example.org')).toBe(true);
    expect(m.isExclusiveAlias('#lobby2:example.org')).toBe(false);
    expect(m.isAliasInNamespace('#other:example.org')).toBe(false);
    expect(m.isRoomInNamespace('!bridged123:example.org')).toBe(true);
    expect(m.isRoomInNamespace('!abc:example.org')).toBe(false);
  });

  it('fails at construction on a regex JavaScript cannot compile', () => {
    const bad: Registration = { ...reg, namespaces: { ...reg.namespaces, users: [{ exclusive: true, regex: '@(' }] } };
    expect(() => new NamespaceMatcher(bad, 'example.org')).toThrow(SyntaxError);
  });
});
