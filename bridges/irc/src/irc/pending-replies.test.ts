import { TestClock } from '@bridgekit/appservice/testing';
import { PendingReplies } from './pending-replies';

describe('PendingReplies', () => {
  it('resolves every waiter of a key and clears its timer', async () => {
    const clock = new TestClock(0);
    const replies = new PendingReplies<string>('WHOIS', clock, 1000);
    const a = replies.wait('alice');
    const b = replies.wait('alice');
    replies.resolve('alice', 'found');
    await expect(Promise.all([a, b])).resolves.toEqual(['found', 'found']);
    expect(clock.pending).toBe(0);
    expect(replies.size).toBe(0);
  });

  it('times out with a typed error naming the command', async () => {
    const clock = new TestClock(0);
    const replies = new PendingReplies<void>('JOIN', clock, 30_000);
    const waiting = replies.wait('#chan');
    // Watched before time passes: the clock lets the event loop run, and the rejection must not go unhandled.
    const timedOut = expect(waiting).rejects.toMatchObject({ code: 'IRC_REPLY_TIMEOUT', message: expect.stringMatching(/JOIN for #chan within 30 seconds/) });
    await clock.advance(30_000);
    await timedOut;
    expect(replies.has('#chan')).toBe(false);
  });

  it('rejects one key or all of them', async () => {
    const replies = new PendingReplies<number>('NICK', new TestClock(0), 1000);
    const x = replies.wait('x');
    const y = replies.wait('y');
    replies.reject('x', new Error('nope'));
    await expect(x).rejects.toThrow('nope');
    replies.rejectAll(new Error('closed'));
    await expect(y).rejects.toThrow('closed');
    replies.resolve('y', 1); // late answers are ignored
  });

  it('starts the timeout of a waiter asked without one only when told (its line waited to be sent)', async () => {
    const clock = new TestClock(0);
    const replies = new PendingReplies<void>('JOIN', clock, 30_000);
    const waiting = replies.wait('#chan', false);
    let settled = false;
    waiting.then(() => { settled = true; }, () => { settled = true; });
    await clock.advance(60_000);
    expect(settled).toBe(false);
    replies.startTimers('#chan');
    const timedOut = expect(waiting).rejects.toMatchObject({ code: 'IRC_REPLY_TIMEOUT' });
    await clock.advance(29_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await timedOut;
    expect(clock.pending).toBe(0);
  });
  it('keeps working after every waiter settled (its table is dropped once empty and made again)', async () => {
    const clock = new TestClock(0);
    const replies = new PendingReplies<string>('WHOIS', clock, 1000);
    const first = replies.wait('alice');
    replies.resolve('alice', 'one');
    await expect(first).resolves.toBe('one');
    expect(replies.has('alice')).toBe(false);
    replies.rejectAll(new Error('nothing waits')); // no table: nothing to reject, no throw
    const other = replies.wait('bob');
    const timesOut = replies.wait('bob');
    replies.startTimers('bob');
    expect(replies.size).toBe(1);
    const timedOut = expect(Promise.race([timesOut, other])).rejects.toMatchObject({ code: 'IRC_REPLY_TIMEOUT' });
    await clock.advance(1000);
    await timedOut;
    expect(replies.has('bob')).toBe(false);
    const again = replies.wait('bob');
    replies.resolve('bob', 'two');
    await expect(again).resolves.toBe('two');
    await expect(other).rejects.toMatchObject({ code: 'IRC_REPLY_TIMEOUT' });
    expect(replies.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
