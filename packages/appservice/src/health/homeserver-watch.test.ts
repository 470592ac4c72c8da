import { Gauge } from 'prom-client';
import { TestLogger } from '../testing/logger';
import { HomeserverWatch } from './homeserver-watch';

function watch(onBack: () => void): HomeserverWatch {
  return new HomeserverWatch({
    // A ping that never settles: these tests drive reachability through requests alone.
    ping: () => new Promise(() => {}),
    gauge: new Gauge({ name: 'test_homeserver_reachable', help: 'test', registers: [] }),
    log: new TestLogger(),
    appserviceId: 'test',
    registrationUrl: null,
    onBack,
  });
}

describe('HomeserverWatch', () => {
  it('says the homeserver is back once requests are answered again after going unanswered, not on the first answer', () => {
    let backs = 0;
    const w = watch(() => { backs++; });
    w.onAttempt(true);
    w.onAttempt(true);
    expect(backs).toBe(0);
    w.onAttempt(false);
    w.onAttempt(false);
    expect(backs).toBe(0);
    w.onAttempt(true);
    expect(backs).toBe(1);
    w.onAttempt(true);
    expect(backs).toBe(1);
    w.stop();
  });
});
