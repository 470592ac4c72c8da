// Unit tests of away → presence: coalesced per ghost, paced, refreshed while away, bounded.
import type { PresenceState, UserId } from '@bridgekit/appservice';
import { TestClock } from '@bridgekit/appservice/testing';
import { AwayPresence } from './away-presence';

const ghost = (n: string) => `@_irc_${n}:hs.test` as UserId;
const settled = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: { maxGhosts?: number; failFor?: UserId } = {}) {
  const clock = new TestClock(0);
  const sent: Array<{ ghost: UserId; state: PresenceState; statusMsg?: string; at: number }> = [];
  const problems: string[] = [];
  const presence = new AwayPresence({
    clock, settleMs: 1000, refreshMs: 20_000, perSecond: 2, maxGhosts: options.maxGhosts ?? 100,
    send: async (g, state, statusMsg) => {
      if (g === options.failFor) throw new Error('M_FORBIDDEN');
      sent.push({ ghost: g, state, ...(statusMsg !== undefined ? { statusMsg } : {}), at: clock.now() });
    },
    onProblem: (g, problem) => problems.push(`${g}: ${problem}`),
  });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      await clock.advance(100);
      await settled();
    }
  };
  const summary = () => sent.map((s) => `${s.at} ${s.ghost.slice(6, -8)} ${s.state}${s.statusMsg ? ` ${s.statusMsg}` : ''}`);
  return { clock, presence, sent, problems, run, summary };
}

describe('AwayPresence', () => {
  it('sends the last of a burst of changes once it has settled, and nothing for a round trip the homeserver never saw', async () => {
    const { presence, run, summary } = setup();
    presence.changed(ghost('carol'), 'net', 'lunch');
    presence.changed(ghost('carol'), 'net', undefined);
    presence.changed(ghost('carol'), 'net', 'gone home');
    presence.changed(ghost('dave'), 'net', 'brb');
    presence.changed(ghost('dave'), 'net', undefined);
    await run(900);
    expect(summary()).toEqual([]);
    await run(200);
    expect(summary()).toEqual(['1000 carol unavailable gone home']);
    // Back and away again with the same message before it settles: the homeserver already has that.
    presence.changed(ghost('carol'), 'net', undefined);
    presence.changed(ghost('carol'), 'net', 'gone home');
    await run(2000);
    presence.changed(ghost('carol'), 'net', undefined);
    await run(2000);
    expect(summary()).toEqual(['1000 carol unavailable gone home', '4100 carol online']);
  });

  it('sends an away state again before the homeserver times it out, until the user is back or forgotten', async () => {
    const { presence, run, summary } = setup();
    presence.changed(ghost('carol'), 'net', 'lunch');
    presence.changed(ghost('dave'), 'net', 'meeting');
    await run(45_000);
    expect(summary()).toEqual([
      '1000 carol unavailable lunch', '1500 dave unavailable meeting',
      '21000 carol unavailable lunch', '21500 dave unavailable meeting',
      '41000 carol unavailable lunch', '41500 dave unavailable meeting',
    ]);
    presence.changed(ghost('carol'), 'net', undefined);
    presence.forget(ghost('dave'));
    await run(60_000);
    expect(summary().slice(6)).toEqual(['46000 carol online']);
    expect(presence.size).toEqual({ pending: 0, away: 0 });
  });

  it('paces sends across ghosts, keeps going after a failure and retries it with the refresh', async () => {
    const { presence, problems, run, summary } = setup({ failFor: ghost('dave') });
    for (const n of ['carol', 'dave', 'erin']) presence.changed(ghost(n), 'net', 'away');
    await run(3000);
    expect(summary()).toEqual(['1000 carol unavailable away', '2000 erin unavailable away']);
    expect(problems).toEqual([`${ghost('dave')}: M_FORBIDDEN`]);
    await run(20_000);
    expect(problems).toHaveLength(2);
  });

  it('lets a network\'s ghosts go together, drops changes beyond maxGhosts and sends nothing after stop', async () => {
    const { presence, problems, run, clock, summary } = setup({ maxGhosts: 2 });
    presence.changed(ghost('carol'), 'net', 'away');
    presence.changed(ghost('dave'), 'other', 'away');
    presence.changed(ghost('erin'), 'net', 'away');
    expect(problems).toHaveLength(1);
    await run(2000);
    presence.forgetNetwork('net');
    await run(40_000);
    expect(summary().filter((s) => s.includes('carol'))).toEqual(['1000 carol unavailable away']);
    presence.stop();
    const before = summary().length;
    await run(40_000);
    expect(summary()).toHaveLength(before);
    expect(clock.pending).toBe(0);
  });
});
