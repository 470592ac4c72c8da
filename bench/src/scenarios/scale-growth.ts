/**
 * How a cost grows with the puppet count, for the scale series: the exponent k in cost ∝ N^k
 * between two counts (1 = linear, 2 = quadratic), and over the whole series by least squares on
 * log–log. A cost measured as zero or not at all gives no exponent (NaN), never a made-up one.
 */

/** k such that cost(b) / cost(a) = (nb / na)^k. */
export function growthExponent(na: number, costA: number, nb: number, costB: number): number {
  if (!(costA > 0 && costB > 0 && na > 0 && nb > 0 && na !== nb)) return NaN;
  return Math.log(costB / costA) / Math.log(nb / na);
}

/** Least-squares slope of log(cost) on log(N) over the points that have a positive cost. */
export function growthFit(points: ReadonlyArray<{ n: number; cost: number | undefined }>): number {
  const usable = points.filter((p): p is { n: number; cost: number } => p.cost !== undefined && p.cost > 0 && p.n > 0);
  if (usable.length < 2) return NaN;
  const xs = usable.map((p) => Math.log(p.n));
  const ys = usable.map((p) => Math.log(p.cost));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** "linear", "worse than linear"… for a note; within ±0.15 of 1 counts as linear. */
export function growthWord(k: number): string {
  if (!Number.isFinite(k)) return 'not measured';
  if (k < 0.85) return 'sub-linear';
  if (k <= 1.15) return 'linear';
  if (k <= 1.6) return 'worse than linear';
  return 'about quadratic or worse';
}
