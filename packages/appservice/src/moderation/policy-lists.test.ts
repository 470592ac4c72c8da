import { Registry } from 'prom-client';
import type { MatrixEvent } from '../events';
import { asEventId, asRoomId, asUserId, type RoomId } from '../ids';
import { createLogger } from '../log/logger';
import { PolicyLists, type PolicyRoomAccess } from './policy-lists';
import type { PolicyStateEvent } from './policy-rules';
import { Writable } from 'node:stream';

const LIST = asRoomId('!list:example.org');
const SPAMMER = asUserId('@spammer:example.org');

function quietLog() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: createLogger({ level: 'debug', format: 'json' }, () => [], { stream }), lines };
}

function banEvent(entity: string, eventId: string, stateKey = 'rule:1'): PolicyStateEvent {
  return { type: 'm.policy.rule.user', stateKey, eventId, content: { entity, recommendation: 'm.ban', reason: 'spam' } };
}

function pushed(event: Omit<Partial<MatrixEvent>, 'eventId'> & { type: string; eventId: string }, roomId: RoomId = LIST): MatrixEvent {
  return { roomId, sender: asUserId('@mod:example.org'), content: {}, originServerTs: 0, ...event, eventId: asEventId(event.eventId) };
}

/** Fake timers of our own: the retry is scheduled, and run when the test says. */
function manualTimers() {
  const due: Array<() => void> = [];
  return { due, timers: { setTimeout: (fn: () => void) => { due.push(fn); return due.length; }, clearTimeout: () => undefined } };
}

describe('PolicyLists', () => {
  it('joins each list, loads its rules, and answers isBanned with the rule', async () => {
    const joined: string[] = [];
    const access: PolicyRoomAccess = {
      join: async (room) => { joined.push(room); return LIST; },
      state: async () => [banEvent('@spam*:example.org', '$r1'), { type: 'm.room.create', stateKey: '', eventId: '$c', content: {} }],
    };
    const lists = new PolicyLists({ rooms: ['#bans:example.org'], access, log: quietLog().log });
    await lists.start();
    expect(joined).toEqual(['#bans:example.org']);
    expect(lists.isBanned(SPAMMER)).toMatchObject({ entity: '@spam*:example.org', reason: 'spam', roomId: LIST, eventId: '$r1' });
    expect(lists.isBanned(asUserId('@alice:example.org'))).toBeUndefined();
    expect(lists.readiness()).toEqual({ ready: true, details: { '#bans:example.org': '1 rule' } });
  });

  it('follows pushed rules: a new rule bans at once, empty content and a redaction unban, listeners hear each change', async () => {
    const lists = new PolicyLists({ rooms: [LIST], access: { join: async () => LIST, state: async () => [] }, log: quietLog().log });
    await lists.start();
    let changes = 0;
    const unsubscribe = lists.onChange(() => { changes++; });
    lists.observe(pushed({ type: 'm.policy.rule.user', stateKey: 'rule:1', eventId: '$ban', content: { entity: SPAMMER, recommendation: 'm.ban', reason: 'spam' } }));
    expect(lists.isBanned(SPAMMER)?.eventId).toBe('$ban');
    lists.observe(pushed({ type: 'm.policy.rule.user', stateKey: 'rule:1', eventId: '$unban', content: {} }));
    expect(lists.isBanned(SPAMMER)).toBeUndefined();
    lists.observe(pushed({ type: 'm.policy.rule.server', stateKey: 'rule:2', eventId: '$server', content: { entity: 'example.org', recommendation: 'm.ban' } }));
    expect(lists.isBanned(SPAMMER)?.kind).toBe('server');
    // Room version 11 puts `redacts` in the content.
    lists.observe(pushed({ type: 'm.room.redaction', eventId: '$red', content: { redacts: '$server' } }));
    expect(lists.isBanned(SPAMMER)).toBeUndefined();
    expect(changes).toBe(4);
    unsubscribe();
    lists.observe(pushed({ type: 'm.policy.rule.user', stateKey: 'rule:3', eventId: '$again', content: { entity: SPAMMER, recommendation: 'm.ban' } }));
    expect(changes).toBe(4);
  });

  it('ignores rule events of rooms it does not follow', async () => {
    const lists = new PolicyLists({ rooms: [LIST], access: { join: async () => LIST, state: async () => [] }, log: quietLog().log });
    await lists.start();
    lists.observe(pushed({ type: 'm.policy.rule.user', stateKey: 'rule:1', eventId: '$x', content: { entity: SPAMMER, recommendation: 'm.ban' } }, asRoomId('!other:example.org')));
    expect(lists.isBanned(SPAMMER)).toBeUndefined();
  });

  it('applies what was pushed while the state was being read on top of it', async () => {
    let release!: (events: PolicyStateEvent[]) => void;
    const lists = new PolicyLists({
      rooms: [LIST], log: quietLog().log,
      access: { join: async () => LIST, state: () => new Promise((resolve) => { release = resolve; }) },
    });
    const started = lists.start();
    await new Promise((r) => setImmediate(r));
    lists.observe(pushed({ type: 'm.policy.rule.user', stateKey: 'rule:1', eventId: '$lift', content: {} }));
    release([banEvent(SPAMMER, '$old-ban')]);
    await started;
    expect(lists.isBanned(SPAMMER)).toBeUndefined();
  });

  it('says which list cannot be read, is not ready, and retries until it loads', async () => {
    const { log, lines } = quietLog();
    const { due, timers } = manualTimers();
    let fail = true;
    const registry = new Registry();
    const lists = new PolicyLists({
      rooms: ['#bans:example.org'], log, timers, registry, retryMs: 1000,
      access: { join: async () => { if (fail) throw new Error('M_FORBIDDEN: You are not invited to this room.'); return LIST; }, state: async () => [banEvent(SPAMMER, '$r')] },
    });
    await lists.start();
    expect(lists.isBanned(SPAMMER)).toBeUndefined();
    expect(lists.readiness()).toEqual({ ready: false, details: { '#bans:example.org': 'not loaded: M_FORBIDDEN: You are not invited to this room.' } });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'error');
    expect(logged).toMatchObject({ list: '#bans:example.org', error: expect.stringContaining('M_FORBIDDEN') });
    expect(logged?.message).toMatch(/Cannot read a moderation policy list.*invite it for an invite-only room/);
    expect((await registry.getSingleMetric('bridgekit_policy_lists_unavailable')!.get()).values[0]!.value).toBe(1);
    fail = false;
    due.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(lists.isBanned(SPAMMER)).toBeDefined();
    expect(lists.readiness().ready).toBe(true);
    expect((await registry.getSingleMetric('bridgekit_policy_lists_unavailable')!.get()).values[0]!.value).toBe(0);
    expect((await registry.getSingleMetric('bridgekit_policy_rules')!.get()).values).toEqual([expect.objectContaining({ labels: { list: '#bans:example.org' }, value: 1 })]);
    lists.stop();
  });
});
