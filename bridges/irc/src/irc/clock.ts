/**
 * Time as the IRC layer sees it. Flood control, backoff and connection-rate limits take a Clock
 * so tests drive them with the core kit's `TestClock` instead of waiting (and benchmarks can count waits).
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = object;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // A pending flood timer must not keep the process alive at shutdown.
    timer.unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
