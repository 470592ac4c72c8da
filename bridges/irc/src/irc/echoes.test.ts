import { TestClock } from '@bridgekit/appservice/testing';
import { EchoWaiters } from './echoes';

describe('EchoWaiters', () => {
  it('settles the waiter of the echoed line with its msgid, leaving the others waiting', async () => {
    const clock = new TestClock(0);
    const echoes = new EchoWaiters(clock, 5_000);
    const first = echoes.expect({ target: '#c', kind: 'privmsg', text: 'one' }).promise;
    const second = echoes.expect({ target: '#c', kind: 'privmsg', text: 'two' }).promise;
    echoes.echoed({ target: '#c', kind: 'privmsg', text: 'two' }, 'id-2');
    await expect(second).resolves.toBe('id-2');
    expect(echoes.size).toBe(1);
    echoes.echoed({ target: '#c', kind: 'privmsg', text: 'one' }, undefined);
    await expect(first).resolves.toBe('');
    expect(clock.pending).toBe(0);
  });

  it('does not take an echo of another kind or target', async () => {
    const echoes = new EchoWaiters(new TestClock(0), 5_000);
    const waiting = echoes.expect({ target: '#c', kind: 'action', text: 'waves' }).promise;
    echoes.echoed({ target: '#c', kind: 'privmsg', text: 'waves' }, 'x');
    echoes.echoed({ target: '#d', kind: 'action', text: 'waves' }, 'y');
    expect(echoes.size).toBe(1);
    echoes.echoed({ target: '#c', kind: 'action', text: 'waves' }, 'z');
    await expect(waiting).resolves.toBe('z');
  });

  it('takes an echo the server altered (colours stripped) for the oldest line to that target', async () => {
    const echoes = new EchoWaiters(new TestClock(0), 5_000);
    const coloured = echoes.expect({ target: '#c', kind: 'privmsg', text: '\x0304red\x03 text' }).promise;
    const plain = echoes.expect({ target: '#c', kind: 'privmsg', text: 'plain' }).promise;
    echoes.echoed({ target: '#c', kind: 'privmsg', text: 'red text' }, 'm1');
    echoes.echoed({ target: '#c', kind: 'privmsg', text: 'plain' }, 'm2');
    await expect(Promise.all([coloured, plain])).resolves.toEqual(['m1', 'm2']);
  });

  it('settles a cancelled waiter at once, so it cannot take a later echo', async () => {
    const echoes = new EchoWaiters(new TestClock(0), 5_000);
    const unsent = echoes.expect({ target: '#c', kind: 'privmsg', text: 'x' });
    unsent.cancel();
    await expect(unsent.promise).resolves.toBeUndefined();
    expect(echoes.size).toBe(0);
  });

  it('gives up on a line the server refused, at a close, and after the timeout', async () => {
    const clock = new TestClock(0);
    const echoes = new EchoWaiters(clock, 5_000);
    const refused = echoes.expect({ target: '#moderated', kind: 'privmsg', text: 'hi' }).promise;
    const closed = echoes.expect({ target: 'bob', kind: 'notice', text: 'hi' }).promise;
    echoes.refused('#moderated');
    await expect(refused).resolves.toBeUndefined();
    echoes.clear();
    await expect(closed).resolves.toBeUndefined();
    const late = echoes.expect({ target: '#c', kind: 'privmsg', text: 'lost' }).promise;
    await clock.advance(5_000);
    await expect(late).resolves.toBeUndefined();
    expect(echoes.size).toBe(0);
  });
});
