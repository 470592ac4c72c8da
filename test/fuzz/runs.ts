/**
 * How many generated inputs each property test tries. Small by default so `npm test` stays
 * fast; the chaos run (`npm run test:chaos`) sets FUZZ_RUNS=100000. FUZZ_SEED replays a run
 * that fast-check reported (it prints the seed and the shrunk counterexample).
 */
import fc from 'fast-check';

const DEFAULT_RUNS = 200;

export function fuzzRuns(scale = 1): number {
  const raw = process.env.FUZZ_RUNS;
  const runs = raw === undefined || raw === '' ? DEFAULT_RUNS : Number(raw);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new RangeError(`FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}.`);
  return Math.max(1, Math.round(runs * scale));
}

/** fast-check parameters for one property: the run count, and the seed when replaying. */
export function fuzzParams(scale = 1): fc.Parameters<unknown> {
  const seed = process.env.FUZZ_SEED;
  return { numRuns: fuzzRuns(scale), ...(seed ? { seed: Number(seed) } : {}) };
}

/**
 * A jest timeout that grows with the run count: `msPerRun` is what one input costs on an idle
 * machine, and the margin of 5 covers a loaded one (the chaos run shares the CPU with Synapse).
 * The chaos run's 100,000 inputs need minutes for the slower targets; `npm test` does not.
 */
export function fuzzTimeout(msPerRun: number, scale = 1): number {
  return Math.max(5_000, Math.ceil(fuzzRuns(scale) * msPerRun * 5));
}
