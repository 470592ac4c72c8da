/**
 * The connect gate as a mass connect meets it: handshakes in flight are bounded by what the
 * server accepts (`maxHandshakes`, its listen backlog), and a connect the server refused or reset
 * is tried again at once, through the same gate, not after a backoff (no clock advances here).
 */
import { TestClock, TestLogger } from '@bridgekit/appservice/testing';
import { IrcError } from '../irc/errors';
import { ConnectRateLimiter } from '../irc/reconnect';
import { asIrcNick } from '../mapping/ids';
import type { IrcClient } from './client';
import { ManagedConnection } from './managed-connection';

const tick = () => new Promise((r) => setImmediate(r));
const reset = () => new IrcError('IRC_CONNECT_FAILED', 'connect ECONNRESET', { cause: Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' }) });

/** A client whose first `failures` connects the server resets; counts handshakes not yet accepted. */
function fakeClient(failures: number, gate: { waiting: number; most: number }) {
  let registered = false;
  const client = {
    connects: 0,
    get isRegistered() { return registered; },
    nick: asIrcNick('p'),
    capabilities: [],
    on: () => client,
    async connect(accepted?: () => void) {
      client.connects++;
      gate.waiting++;
      gate.most = Math.max(gate.most, gate.waiting);
      await tick();
      gate.waiting--;
      if (client.connects <= failures) throw reset();
      accepted?.();
      await tick(); // registration goes on after the server accepted: the slot is free already
      registered = true;
      return { nick: client.nick, asked: client.nick, isupport: {} };
    },
  };
  return client;
}

describe('the connect gate', () => {
  it('keeps handshakes within maxHandshakes and retries reset connects at once within that bound', async () => {
    const clock = new TestClock(0);
    const limiter = new ConnectRateLimiter({ perSecond: 10_000, burst: 100, maxHandshakes: 3, clock });
    const gate = { waiting: 0, most: 0 };
    const clients = Array.from({ length: 12 }, (_, i) => fakeClient(i % 3, gate));
    const connections = clients.map((client, i) => new ManagedConnection({
      label: `p${i}`, host: 'irc.test', client: client as unknown as IrcClient, limiter, backoff: { baseMs: 60_000 }, clock, log: new TestLogger(),
    }));
    await Promise.all(connections.map((c) => c.ensureConnected()));
    expect(connections.map((c) => c.state)).toEqual(connections.map(() => 'connected'));
    expect(clients.map((c) => c.connects)).toEqual(clients.map((_, i) => 1 + (i % 3)));
    expect(gate.most).toBe(3);
    expect(limiter.handshakes).toBe(0);
    expect(clock.now()).toBe(0);
  });
});
