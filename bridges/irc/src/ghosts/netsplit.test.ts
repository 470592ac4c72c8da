// Unit tests of netsplit detection and the hold that absorbs a split and its netjoin.
import { TestClock } from '@bridgekit/appservice/testing';
import type { IrcNick } from '../mapping/ids';
import { isNetsplitQuit, NetsplitHold, type HeldQuit } from './netsplit';

describe('isNetsplitQuit', () => {
  it.each([
    ['hub.example.net leaf.example.net', true],
    ['irc.libera.chat tungsten.libera.chat', true],
    ['*.net *.split', true],
    ['  services.test irc.test ', true],
    ['Quit: bye', false],
    ['Ping timeout: 240 seconds', false],
    ['hub.example.net', false],
    ['see you at example.org tomorrow', false],
    ['Read error: Connection reset by peer', false],
    ['', false],
    ['net split', false],
  ])('%j → %s', (reason, expected) => {
    expect(isNetsplitQuit(reason)).toBe(expected);
  });
});

describe('NetsplitHold', () => {
  const quit = (nick: string) => ({ nick: nick as IrcNick, channels: ['#chan'], reason: 'a.net b.net' });

  function setup(maxHeld = 10) {
    const clock = new TestClock(1000);
    const expired: HeldQuit[][] = [];
    const hold = new NetsplitHold({ clock, graceMs: 60_000, maxHeld, onExpired: (q) => expired.push(q) });
    return { clock, hold, expired };
  }

  it('lets go only of those who did not come back, once their grace is over', async () => {
    const { clock, hold, expired } = setup();
    expect(hold.hold('carol', quit('carol'))).toBe(true);
    await clock.advance(10_000);
    expect(hold.hold('dave', quit('dave'))).toBe(true);
    expect(hold.hold('erin', quit('erin'))).toBe(true);
    expect(hold.returned('dave')?.nick).toBe('dave');
    expect(hold.returned('nobody')).toBeUndefined();
    await clock.advance(49_999);
    expect(expired).toEqual([]);
    await clock.advance(1);
    expect(expired.map((b) => b.map((q) => q.nick))).toEqual([['carol']]);
    await clock.advance(10_000);
    expect(expired.map((b) => b.map((q) => q.nick))).toEqual([['carol'], ['erin']]);
    expect(hold.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('refuses new nicks when full, and forgets everything on clear', async () => {
    const { clock, hold, expired } = setup(2);
    expect(hold.hold('a', quit('a'))).toBe(true);
    expect(hold.hold('b', quit('b'))).toBe(true);
    expect(hold.hold('c', quit('c'))).toBe(false);
    expect(hold.hold('a', quit('a'))).toBe(true); // already held: refreshed, not refused
    hold.clear();
    await clock.advance(120_000);
    expect(expired).toEqual([]);
    expect(hold.size).toBe(0);
  });
});
