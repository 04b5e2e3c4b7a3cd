/** Counts of values in equal-width bins over [lo, hi]. */
export interface Histogram {
  lo: number;
  hi: number;
  /** counts[k] = values in [lo + k w, lo + (k + 1) w), w = (hi - lo) / bins; the last bin includes hi. */
  counts: number[];
  /** NaN and infinite values, which belong to no bin. */
  nonFinite: number;
}

/**
 * Histogram of `values` in `bins` equal bins over [lo, hi]. Finite values outside the range are
 * counted in the edge bins (so a histogram of clamped delays still shows every synapse); NaN and
 * infinities are counted in `nonFinite` instead.
 */
export function histogram(values: ArrayLike<number>, bins: number, lo: number, hi: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be >= 1, got ${bins}`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo))
    throw new RangeError(`histogram: need finite lo < hi, got [${lo}, ${hi}]`);
  const counts = new Array<number>(bins).fill(0);
  const perUnit = bins / (hi - lo);
  let nonFinite = 0;
  for (let n = 0; n < values.length; n++) {
    const v = values[n]!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    let k = Math.floor((v - lo) * perUnit);
    if (k < 0) k = 0;
    else if (k >= bins) k = bins - 1;
    counts[k]!++;
  }
  return { lo, hi, counts, nonFinite };
}

/** 1, 2 or 5 times a power of ten, the smallest such at or above `step` (> 0). */
export function niceStep(step: number): number {
  const power = 10 ** Math.floor(Math.log10(step));
  const mantissa = step / power;
  // The 1e-9 slack keeps e.g. 0.3 / 0.1 = 2.9999999999999996 from rounding up to 5.
  const nice = mantissa <= 1 + 1e-9 ? 1 : mantissa <= 2 + 1e-9 ? 2 : mantissa <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

/**
 * A range [lo, hi] holding every finite value, widened outwards to multiples of a 1-2-5 step of
 * about (max - min) / `steps`, for `histogram`'s lo and hi. All values equal: a range of one step
 * around them; no finite value: [0, 1].
 */
export function niceRange(values: ArrayLike<number>, steps = 10): { lo: number; hi: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < values.length; n++) {
    const v = values[n]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { lo: 0, hi: 1 };
  const span = max - min;
  const step = niceStep(span > 0 ? span / steps : Math.abs(min) > 0 ? Math.abs(min) / steps : 1);
  const lo = Math.floor(min / step) * step;
  let hi = Math.ceil(max / step) * step;
  if (!(hi > lo)) hi = lo + step;
  return { lo, hi };
}
