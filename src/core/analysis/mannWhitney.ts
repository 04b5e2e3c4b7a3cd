/**
 * The Mann-Whitney U test (two-sided): do two independent samples come from one distribution?
 * "Delays and structure pruning" compares trained and untrained networks' Moran's I with it.
 *
 * U of the first sample counts the pairs (a_i, b_j) with a_i > b_j, a tie counting one half
 * (equivalently rank sum minus n1 (n1 + 1) / 2, with midranks for ties). The p-value is exact
 * (the distribution of U over all orderings) for a small sample without ties, as SciPy's 'auto'
 * chooses it; otherwise the normal approximation with the tie correction of the variance and a
 * continuity correction of 1/2.
 */
export interface MannWhitneyResult {
  /** U of the first sample. */
  u: number;
  /** U of the second (n1 n2 - u). */
  uOther: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
  /** The normal approximation's z (of the larger U, continuity-corrected); null when exact. */
  z: number | null;
}

/** The exact p-value is used when one sample has at most this many values and nothing is tied. */
export const EXACT_MAX_SIZE = 8;

export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
  method: 'auto' | 'exact' | 'normal' = 'auto',
): MannWhitneyResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs at least one value in each sample');
  for (const v of [...a, ...b])
    if (!Number.isFinite(v)) throw new RangeError(`Mann-Whitney U: a value is ${v}`);
  // Midranks of the pooled values.
  const pooled = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort(
    (x, y) => x.v - y.v,
  );
  let rankSumA = 0;
  let tieTerm = 0;
  for (let k = 0; k < pooled.length;) {
    let end = k;
    while (end + 1 < pooled.length && pooled[end + 1]!.v === pooled[k]!.v) end++;
    const midrank = (k + end) / 2 + 1;
    const size = end - k + 1;
    tieTerm += size ** 3 - size;
    for (let m = k; m <= end; m++) if (pooled[m]!.first) rankSumA += midrank;
    k = end + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const uOther = n1 * n2 - u;
  const exact =
    method === 'exact' || (method === 'auto' && tieTerm === 0 && Math.min(n1, n2) <= EXACT_MAX_SIZE);
  if (exact) {
    if (tieTerm !== 0)
      throw new RangeError('the exact Mann-Whitney p-value assumes no ties; use the normal one');
    const counts = exactCounts(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    let below = 0;
    for (let k = 0; k <= Math.floor(u); k++) below += counts[k]!;
    let above = 0;
    for (let k = Math.ceil(u); k <= n1 * n2; k++) above += counts[k]!;
    return { u, uOther, p: Math.min(1, (2 * Math.min(below, above)) / total), method: 'exact', z: null };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, uOther, p: 1, method: 'normal', z: 0 };
  const z = (Math.max(u, uOther) - mean - 0.5) / Math.sqrt(variance);
  return { u, uOther, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', z };
}

/**
 * How many orderings of n1 + n2 distinct values give each U in [0, n1 n2]: the recurrence
 * f(n1, n2, u) = f(n1 - 1, n2, u - n2) + f(n1, n2 - 1, u) (the largest value belongs to the
 * first sample, adding n2 to U, or to the second).
 */
function exactCounts(n1: number, n2: number): Float64Array {
  // table[i][j]: the counts for samples of sizes i and j.
  let row: Float64Array[] = Array.from({ length: n2 + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= n1; i++) {
    const next: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n2; j++) {
      const out = new Float64Array(i * j + 1);
      const withFirst = row[j]!;
      for (let k = 0; k < withFirst.length; k++) out[k + j]! += withFirst[k]!;
      const withSecond = next[j - 1]!;
      for (let k = 0; k < withSecond.length; k++) out[k]! += withSecond[k]!;
      next.push(out);
    }
    row = next;
  }
  return row[n2]!;
}

/**
 * P(Z > z) for a standard normal Z, with a small relative error far into the tail (the paper's
 * p-values reach 1e-21): 0.5 erfc(z / sqrt 2), erfc by a Chebyshev fit (fractional error below
 * 1.2e-7 everywhere).
 */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
