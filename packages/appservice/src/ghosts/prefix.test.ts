import { BridgeError } from '../errors/bridge-error';
import { NamespaceMatcher } from '../registration/namespaces';
import type { Registration } from '../registration/types';
import { ghostPrefixFrom, prefixOfNamespace } from './prefix';

const DOMAIN = 'example.org';

function registration(users: Array<{ exclusive: boolean; regex: string }>): Registration {
  return {
    id: 'x', url: null, asToken: 'a'.repeat(16), hsToken: 'h'.repeat(16), senderLocalpart: 'bot',
    namespaces: { users, aliases: [], rooms: [] }, rateLimited: false,
  };
}

function derive(users: Array<{ exclusive: boolean; regex: string }>, given?: string): string {
  const reg = registration(users);
  const matcher = new NamespaceMatcher(reg, DOMAIN);
  return ghostPrefixFrom(reg, DOMAIN, given, (u) => matcher.isUserInNamespace(u as never));
}

describe('the ghost prefix comes from the registration', () => {
  it.each([
    ['@_irc_.*:example\\.org', '_irc_'],
    ['@_irc_.*', '_irc_'],
    ['^@_slack_.+:example.org$', '_slack_'],
    ['@bridge\\.x=.*:example\\.org', 'bridge.x='],
  ])('%s → %s', (regex, prefix) => {
    expect(prefixOfNamespace(regex, DOMAIN)).toBe(prefix);
  });

  it.each([
    '@(_irc_|_oftc_).*', // an alternation: no single prefix
    '@_irc_[a-z]+:example\\.org',
    '@_irc_.*:other\\.org', // another server's users
    '@.*',
    '@_IRC_.*', // not a valid localpart prefix
  ])('%s has no derivable prefix', (regex) => {
    expect(prefixOfNamespace(regex, DOMAIN)).toBeUndefined();
  });

  it('reads the one exclusive namespace, ignoring shared ones', () => {
    expect(derive([{ exclusive: false, regex: '@shared_.*' }, { exclusive: true, regex: '@_irc_.*:example\\.org' }])).toBe('_irc_');
  });

  it('refuses to guess, saying what to write, when the shape is not derivable', () => {
    expect(() => derive([{ exclusive: true, regex: '@(_a_|_b_).*' }])).toThrow(/@<prefix>\.\*:example\.org/);
    expect(() => derive([{ exclusive: true, regex: '@_a_.*' }, { exclusive: true, regex: '@_b_.*' }])).toThrow(/ambiguous/);
    let caught: unknown;
    try { derive([]); } catch (err) { caught = err; }
    expect(caught).toBeInstanceOf(BridgeError);
    expect((caught as BridgeError).code).toBe('GHOST_NAMESPACE_UNDERIVABLE');
  });

  it("takes the connector's own prefix when it lies inside the namespace, and refuses one outside", () => {
    expect(derive([{ exclusive: true, regex: '@(_a_|_b_).*' }], '_b_')).toBe('_b_');
    expect(() => derive([{ exclusive: true, regex: '@_irc_.*' }], '_slack_')).toThrow(/not inside/);
  });
});
