import { asUserId } from '@bridgekit/appservice';
import { checkPermissionRules, hasLevel, permissionLevel, type PermissionRules } from './permissions';

const rules: PermissionRules = {
  '*': 'user',
  'example.org': 'admin',
  'Evil.Example': 'none',
  '@mallory:example.org': 'none',
  '@trusted:evil.example': 'user',
};

describe('permissionLevel', () => {
  it.each([
    ['@alice:example.org', 'admin'], // server name
    ['@mallory:example.org', 'none'], // user ID beats server name
    ['@bob:evil.example', 'none'], // server names compare case-insensitively
    ['@trusted:evil.example', 'user'], // user ID beats server name
    ['@carol:other.org', 'user'], // "*"
    ['@dave:example.org.evil', 'user'], // no suffix matching
    ['@eve:sub.example.org', 'user'], // no subdomain matching
  ])('%s → %s', (user, level) => {
    expect(permissionLevel(asUserId(user), rules)).toBe(level);
  });

  it('is none without a matching rule', () => {
    expect(permissionLevel(asUserId('@x:y.org'), { 'example.org': 'user' })).toBe('none');
    expect(permissionLevel(asUserId('@x:y.org'), {})).toBe('none');
  });

  it('orders levels none < user < admin', () => {
    expect(hasLevel('admin', 'user')).toBe(true);
    expect(hasLevel('user', 'user')).toBe(true);
    expect(hasLevel('user', 'admin')).toBe(false);
    expect(hasLevel('none', 'user')).toBe(false);
  });
});

describe('checkPermissionRules', () => {
  it('accepts user IDs, server names (with port or IP literal) and *', () => {
    expect(checkPermissionRules({ '*': 'none', 'example.org': 'user', 'hs:8448': 'user', '[::1]:8448': 'user', '@a:b.c': 'admin' })).toEqual([]);
  });

  it('names each bad key and value', () => {
    expect(checkPermissionRules({ 'not a server': 'user', '@a:b': 'root' })).toEqual([
      { path: 'irc.permissions["not a server"]', message: expect.stringContaining('must be a user ID') },
      { path: 'irc.permissions["@a:b"]', message: 'must be "none", "user" or "admin", not "root"' },
    ]);
  });
});
