import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { maxMoransIOverRowPermutations, moransI, type Contiguity, type Grid } from './moransI.ts';

/** The definition written out cell by cell (the reference the fast path must equal). */
function bruteForce(grid: Grid, contiguity: Contiguity): number {
  const { values, rows, cols } = grid;
  const n = rows * cols;
  let mean = 0;
  for (let q = 0; q < n; q++) mean += values[q]!;
  mean /= n;
  let pairs = 0;
  let weight = 0;
  let squares = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      squares += (values[r * cols + c]! - mean) ** 2;
      for (let dr = -1; dr <= 1; dr++)
        for (let dc = -1; dc <= 1; dc++) {
          if ((dr === 0 && dc === 0) || (contiguity === 'rook' && dr !== 0 && dc !== 0)) continue;
          const r2 = r + dr;
          const c2 = c + dc;
          if (r2 < 0 || r2 >= rows || c2 < 0 || c2 >= cols) continue;
          weight++;
          pairs += (values[r * cols + c]! - mean) * (values[r2 * cols + c2]! - mean);
        }
    }
  return ((n / weight) * pairs) / squares;
}

const checkerboard = (rows: number, cols: number): Grid => ({
  rows,
  cols,
  values: Array.from({ length: rows * cols }, (_, q) => ((Math.floor(q / cols) + (q % cols)) % 2 ? -1 : 1)),
});

describe("Moran's I", () => {
  it('a +-1 checkerboard: exactly -1 with rook’s weights; queen’s: (diagonal - edge pairs) / all pairs', () => {
    expect(moransI(checkerboard(4, 4), 'rook').value).toBe(-1);
    expect(moransI(checkerboard(6, 5), 'rook').value).toBeCloseTo(-1, 14);
    // 4 x 4, queen: 48 ordered edge pairs (opposite signs), 36 diagonal ones (same sign):
    // I = (16 / 84) * (36 - 48) / 16 = -1/7.
    expect(moransI(checkerboard(4, 4), 'queen').value).toBeCloseTo(-1 / 7, 14);
  });

  it('half and half (+1 above, -1 below) is strongly positive: 11/21 on 4 x 4, queen', () => {
    const values = Array.from({ length: 16 }, (_, q) => (q < 8 ? 1 : -1));
    // Within rows 24 pairs (+1); rows 0-1 and 2-3: 20 pairs each (+1); rows 1-2: 20 (-1): 44 / 84.
    expect(moransI({ rows: 4, cols: 4, values }).value).toBeCloseTo(11 / 21, 14);
  });

  it('ties: [[1, 0], [0, 0]] gives -1/3 under both weights; random grids with ties equal the definition', () => {
    const grid = { rows: 2, cols: 2, values: [1, 0, 0, 0] };
    expect(moransI(grid, 'queen').value).toBeCloseTo(-1 / 3, 14);
    expect(moransI(grid, 'rook').value).toBeCloseTo(-1 / 3, 14);
    const rng = new Rng(4);
    for (const [rows, cols] of [
      [5, 7],
      [1, 9],
      [9, 1],
      [12, 3],
    ] as const) {
      const values = Array.from({ length: rows * cols }, () => Math.floor(3 * rng.uniform()) - 1);
      for (const contiguity of ['queen', 'rook'] as const)
        expect(moransI({ rows, cols, values }, contiguity).value).toBeCloseTo(
          bruteForce({ rows, cols, values }, contiguity),
          12,
        );
    }
  });

  it('a constant pattern (and a single cell) has no defined I and says why', () => {
    const constant = moransI({ rows: 3, cols: 3, values: new Array<number>(9).fill(0.4) });
    expect(constant.value).toBeNull();
    expect(constant.reason).toMatch(/constant/);
    expect(moransI({ rows: 1, cols: 1, values: [2] }).reason).toMatch(/constant|neighbours/);
    expect(maxMoransIOverRowPermutations({ rows: 2, cols: 2, values: [1, 1, 1, 1] }).max.value).toBeNull();
    expect(() => moransI({ rows: 2, cols: 3, values: [1, 2] })).toThrow(/do not fill 2 x 3/);
    expect(() => moransI({ rows: 1, cols: 2, values: [1, NaN] })).toThrow(/value 1 is NaN/);
  });

  it('the maximum over random row orders: on 4 rows (24 orders), 2,000 draws find the best one', () => {
    const rng = new Rng(9);
    const values = Array.from({ length: 4 * 6 }, () => rng.normal(0, 1));
    const grid = { rows: 4, cols: 6, values };
    const orders = (rows: number[]): number[][] =>
      rows.length <= 1
        ? [rows]
        : rows.flatMap((r, k) => orders(rows.filter((_, m) => m !== k)).map((o) => [r, ...o]));
    const exhaustive = Math.max(
      ...orders([0, 1, 2, 3]).map((order) =>
        bruteForce(
          { rows: 4, cols: 6, values: order.flatMap((r) => values.slice(r * 6, r * 6 + 6)) },
          'queen',
        ),
      ),
    );
    const result = maxMoransIOverRowPermutations(grid, { seed: 1 });
    expect(result.permutations).toBe(2000);
    expect(result.max.value).toBeCloseTo(exhaustive, 12);
    expect(result.original.value).toBeCloseTo(bruteForce(grid, 'queen'), 12);
    expect(result.max.value!).toBeGreaterThanOrEqual(result.original.value! - 1e-12);
    // Seeded: the same seed gives the same maximum; permuting 30 rows, different seeds differ.
    const big = { rows: 30, cols: 5, values: Array.from({ length: 150 }, () => rng.normal(0, 1)) };
    const a = maxMoransIOverRowPermutations(big, { seed: 2, permutations: 50 }).max.value;
    expect(maxMoransIOverRowPermutations(big, { seed: 2, permutations: 50 }).max.value).toBe(a);
    expect(maxMoransIOverRowPermutations(big, { seed: 3, permutations: 50 }).max.value).not.toBe(a);
  });
});
