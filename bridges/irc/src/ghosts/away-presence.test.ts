// Unit tests of away → presence: coalesced per ghost, paced, bounded.
import type { PresenceState, UserId } from '@bridgekit/appservice';
import { FakeClock } from '../irc/clock';
import { AwayPresence } from './away-presence';

const ghost = (n: string) => `@_irc_${n}:hs.test` as UserId;
const settled = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: { maxPending?: number; failFor?: UserId } = {}) {
  const clock = new FakeClock(0);
  const sent: Array<{ ghost: UserId; state: PresenceState; statusMsg?: string; at: number }> = [];
  const problems: string[] = [];
  const presence = new AwayPresence({
    clock, settleMs: 1000, perSecond: 2, maxPending: options.maxPending ?? 100,
    send: async (g, state, statusMsg) => {
      if (g === options.failFor) throw new Error('M_FORBIDDEN');
      sent.push({ ghost: g, state, ...(statusMsg !== undefined ? { statusMsg } : {}), at: clock.now() });
    },
    onProblem: (g, problem) => problems.push(`${g}: ${problem}`),
  });
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await settled();
    }
  };
  return { clock, presence, sent, problems, run };
}

describe('AwayPresence', () => {
  it('sends the last of a burst of changes once it has settled, and nothing for a change back', async () => {
    const { presence, sent, run } = setup();
    presence.changed(ghost('carol'), 'lunch');
    presence.changed(ghost('carol'), undefined);
    presence.changed(ghost('carol'), 'gone home');
    await run(900);
    expect(sent).toEqual([]);
    await run(200);
    expect(sent).toEqual([{ ghost: ghost('carol'), state: 'unavailable', statusMsg: 'gone home', at: 1000 }]);
    // Back, then away again with the same message before it settles: the homeserver already has that.
    presence.changed(ghost('carol'), undefined);
    presence.changed(ghost('carol'), 'gone home');
    await run(2000);
    expect(sent).toHaveLength(1);
    presence.changed(ghost('carol'), undefined);
    await run(2000);
    expect(sent.map((s) => s.state)).toEqual(['unavailable', 'online']);
  });

  it('paces sends across ghosts and keeps going after a failure', async () => {
    const { presence, sent, problems, run } = setup({ failFor: ghost('dave') });
    for (const n of ['carol', 'dave', 'erin', 'frank']) presence.changed(ghost(n), 'away');
    await run(5000);
    expect(sent.map((s) => [s.ghost, s.at])).toEqual([[ghost('carol'), 1000], [ghost('erin'), 2000], [ghost('frank'), 2500]]);
    expect(problems).toEqual([`${ghost('dave')}: M_FORBIDDEN`]);
  });

  it('drops changes beyond maxPending and sends nothing after stop', async () => {
    const { presence, sent, problems, run, clock } = setup({ maxPending: 1 });
    presence.changed(ghost('carol'), 'away');
    presence.changed(ghost('dave'), 'away');
    expect(problems).toHaveLength(1);
    expect(presence.waiting).toBe(1);
    presence.stop();
    await run(3000);
    expect(sent).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
