import { asUserId } from '../ids';
import { compileGlob, PolicyRuleSet, policyKindOf } from './policy-rules';

const ROOM = '!list:example.org';
const rule = (type: string, stateKey: string, content: Record<string, unknown>, eventId = `$${type}-${stateKey}-${JSON.stringify(content).length}`) =>
  ({ type, stateKey, content, eventId });
const ban = (entity: string, reason = 'spam') => ({ entity, recommendation: 'm.ban', reason });
const user = (id: string) => asUserId(id);

describe('compileGlob', () => {
  it.each([
    ['@spam*:example.org', '@spammer:example.org', true],
    ['@spam*:example.org', '@spam:example.org', true],
    ['@spam*:example.org', '@ham:example.org', false],
    ['@a?c:x.org', '@abc:x.org', true],
    ['@a?c:x.org', '@ac:x.org', false],
    ['@a?c:x.org', '@abbc:x.org', false],
    // Regex characters in an entity are literal.
    ['@a.b:x.org', '@aXb:x.org', false],
    ['@a(b)+:x.org', '@a(b)+:x.org', true],
    ['*', 'anything at all', true],
  ])('%s matches %s: %s', (glob, value, expected) => {
    expect(compileGlob(glob, 'exact')(value)).toBe(expected);
  });

  it('compares user IDs as written and server names without case', () => {
    expect(compileGlob('@Bob:x.org', 'exact')('@bob:x.org')).toBe(false);
    expect(compileGlob('*.EVIL.org', 'fold')('chat.evil.org')).toBe(true);
  });
});

describe('policyKindOf', () => {
  it('reads the spec types and the two older names lists were published under', () => {
    expect(policyKindOf('m.policy.rule.user')).toBe('user');
    expect(policyKindOf('m.room.rule.server')).toBe('server');
    expect(policyKindOf('org.matrix.mjolnir.rule.room')).toBe('room');
    expect(policyKindOf('m.room.member')).toBeUndefined();
  });
});

describe('PolicyRuleSet', () => {
  it('bans a user by a user glob, with the rule and its reason', () => {
    const set = new PolicyRuleSet(ROOM);
    expect(set.apply(rule('m.policy.rule.user', 'rule:1', ban('@spam*:example.org', 'spam waves'), '$r1'))).toBe(true);
    expect(set.banOf(user('@spammer:example.org'))).toEqual({
      kind: 'user', entity: '@spam*:example.org', recommendation: 'm.ban', reason: 'spam waves', roomId: ROOM, eventId: '$r1',
    });
    expect(set.banOf(user('@alice:example.org'))).toBeUndefined();
  });

  it("bans a user by their server, port or not, and never by a room rule", () => {
    const set = new PolicyRuleSet(ROOM);
    set.apply(rule('m.policy.rule.server', 'rule:evil', ban('*.evil.org')));
    set.apply(rule('m.policy.rule.room', 'rule:room', ban('@alice:example.org')));
    expect(set.banOf(user('@x:chat.evil.org'))?.kind).toBe('server');
    expect(set.banOf(user('@x:chat.evil.org:8448'))?.kind).toBe('server');
    expect(set.banOf(user('@x:evil.org.example'))).toBeUndefined();
    expect(set.banOf(user('@alice:example.org'))).toBeUndefined();
  });

  it('keeps one rule per state key: a newer event replaces it, empty content removes it', () => {
    const set = new PolicyRuleSet(ROOM);
    set.apply(rule('m.policy.rule.user', 'rule:1', ban('@a:x.org')));
    set.apply(rule('m.policy.rule.user', 'rule:1', ban('@b:x.org')));
    expect(set.size).toBe(1);
    expect(set.banOf(user('@a:x.org'))).toBeUndefined();
    expect(set.banOf(user('@b:x.org'))).toBeDefined();
    expect(set.apply(rule('m.policy.rule.user', 'rule:1', {}))).toBe(true);
    expect(set.banOf(user('@b:x.org'))).toBeUndefined();
    expect(set.apply(rule('m.policy.rule.user', 'rule:1', {}))).toBe(false);
  });

  it('removes a rule when the event that set it is redacted, and not when an older one is', () => {
    const set = new PolicyRuleSet(ROOM);
    set.apply(rule('m.policy.rule.user', 'rule:1', ban('@a:x.org'), '$old'));
    set.apply(rule('m.policy.rule.user', 'rule:1', ban('@a:x.org', 'again'), '$new'));
    expect(set.redact('$old')).toBe(false);
    expect(set.banOf(user('@a:x.org'))).toBeDefined();
    expect(set.redact('$new')).toBe(true);
    expect(set.banOf(user('@a:x.org'))).toBeUndefined();
  });

  it('keeps rules with other recommendations without banning anyone', () => {
    const set = new PolicyRuleSet(ROOM);
    set.apply(rule('m.policy.rule.user', 'rule:1', { entity: '@a:x.org', recommendation: 'org.example.mute', reason: '' }));
    expect(set.size).toBe(1);
    expect(set.banOf(user('@a:x.org'))).toBeUndefined();
  });

  it('ignores state that is no rule: other types, no state key, an entity that is not a string', () => {
    const set = new PolicyRuleSet(ROOM);
    expect(set.apply(rule('m.room.topic', '', { topic: 'bans' }))).toBe(false);
    expect(set.apply({ type: 'm.policy.rule.user', eventId: '$x', content: ban('@a:x.org') })).toBe(false);
    expect(set.apply(rule('m.policy.rule.user', 'rule:2', { entity: 42, recommendation: 'm.ban' }))).toBe(false);
    expect(set.size).toBe(0);
  });
});
