import { TypedEmitter } from './events';

interface TestEvents {
  ping: { n: number };
  error: Error;
}

class Emitter extends TypedEmitter<TestEvents> {
  fire<E extends keyof TestEvents>(event: E, value: TestEvents[E]): void {
    this.emit(event, value);
  }
}

describe('TypedEmitter', () => {
  it('delivers to listeners until they unsubscribe', () => {
    const e = new Emitter();
    const seen: number[] = [];
    const off = e.on('ping', (v) => seen.push(v.n));
    e.fire('ping', { n: 1 });
    off();
    e.fire('ping', { n: 2 });
    expect(seen).toEqual([1]);
    expect(e.listenerCount('ping')).toBe(0);
  });

  it('resolves once() with the first matching event', async () => {
    const e = new Emitter();
    const next = e.once('ping', (v) => v.n > 1);
    e.fire('ping', { n: 1 });
    e.fire('ping', { n: 2 });
    await expect(next).resolves.toEqual({ n: 2 });
    expect(e.listenerCount('ping')).toBe(0);
  });

  it('routes a throwing listener to error without stopping the others', () => {
    const e = new Emitter();
    const errors: Error[] = [];
    const seen: number[] = [];
    e.on('error', (err) => errors.push(err));
    e.on('ping', () => {
      throw new Error('boom');
    });
    e.on('ping', (v) => seen.push(v.n));
    e.fire('ping', { n: 7 });
    expect(seen).toEqual([7]);
    expect(errors.map((x) => x.message)).toEqual(['boom']);
  });

  it('rethrows asynchronously when nobody listens for error (never swallowed)', () => {
    const e = new Emitter();
    e.on('ping', () => {
      throw new Error('unheard');
    });
    let deferred: (() => void) | undefined;
    const spy = jest.spyOn(process, 'nextTick').mockImplementation(((fn: () => void) => {
      deferred = fn;
    }) as typeof process.nextTick);
    try {
      e.fire('ping', { n: 1 });
    } finally {
      spy.mockRestore();
    }
    expect(deferred).toBeDefined();
    expect(() => deferred?.()).toThrow('unheard');
  });
});
