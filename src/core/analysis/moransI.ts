import { Rng } from '../rng.ts';

/**
 * Moran's I, the spatial autocorrelation of a pattern on a grid (Moran 1950), as "delays and
 * structure pruning" measures its receptive fields (rows: presynaptic neurons, columns: delays):
 *
 *   I = (N / W) * sum_ij w_ij (x_i - mean)(x_j - mean) / sum_i (x_i - mean)^2,
 *
 * with binary contiguity weights w_ij (1 between neighbouring cells, 0 on the diagonal) and W
 * their sum. +1: neighbours alike; -1: neighbours opposite (a checkerboard under rook's weights);
 * about -1 / (N - 1) for no autocorrelation.
 */
export type Contiguity =
  /** The 8 neighbours of a cell (the paper's choice). */
  | 'queen'
  /** The 4 neighbours sharing an edge. */
  | 'rook';

/** A grid of `rows` x `cols` values, row-major. */
export interface Grid {
  values: ArrayLike<number>;
  rows: number;
  cols: number;
}

/** Moran's I, or why it is not defined. */
export type MoransI = { value: number; reason?: undefined } | { value: null; reason: string };

function checkGrid({ values, rows, cols }: Grid): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1)
    throw new RangeError(`Moran's I: a grid needs whole rows and columns >= 1, got ${rows} x ${cols}`);
  if (values.length !== rows * cols)
    throw new RangeError(`Moran's I: ${values.length} values do not fill ${rows} x ${cols}`);
  for (let q = 0; q < values.length; q++)
    if (!Number.isFinite(values[q]!)) throw new RangeError(`Moran's I: value ${q} is ${values[q]}`);
}

/**
 * The parts of I that row permutations leave alone and the cross terms they reorder: the
 * centred values' sum of squares, the neighbour weight total W, the within-row pair sum, and
 * for each ordered pair of rows (a, b) the pair sum they contribute when b sits below a.
 */
class MoranParts {
  readonly sumSquares: number;
  readonly totalWeight: number;
  readonly withinRows: number;
  /** cross[a * rows + b]: sum over the pairs of a cell of row a and its neighbour in row b below. */
  readonly cross: Float64Array;
  /** Every value equal (checked exactly: a computed mean would leave float noise around it). */
  readonly constant: boolean;

  constructor(
    readonly grid: Grid,
    readonly contiguity: Contiguity,
  ) {
    const { values, rows, cols } = grid;
    const n = rows * cols;
    let constant = true;
    for (let q = 1; q < n && constant; q++) constant = values[q] === values[0];
    this.constant = constant;
    let mean = 0;
    for (let q = 0; q < n; q++) mean += values[q]!;
    mean /= n;
    const z = Float64Array.from(values, (v) => v - mean);
    let squares = 0;
    for (let q = 0; q < n; q++) squares += z[q]! * z[q]!;
    this.sumSquares = squares;
    let within = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c + 1 < cols; c++) within += 2 * z[r * cols + c]! * z[r * cols + c + 1]!;
    this.withinRows = within;
    const queen = contiguity === 'queen';
    // Ordered neighbour pairs: within rows, and between each pair of adjacent rows (vertical, and
    // both diagonals for the queen), both directions.
    const between = cols + (queen ? 2 * (cols - 1) : 0);
    this.totalWeight = 2 * rows * (cols - 1) + 2 * (rows - 1) * between;
    this.cross = new Float64Array(rows * rows);
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < rows; b++) {
        let s = 0;
        for (let c = 0; c < cols; c++) {
          const za = z[a * cols + c]!;
          s += za * z[b * cols + c]!;
          if (queen) {
            if (c > 0) s += za * z[b * cols + c - 1]!;
            if (c + 1 < cols) s += za * z[b * cols + c + 1]!;
          }
        }
        // Both directions of each pair.
        this.cross[a * rows + b] = 2 * s;
      }
    }
  }

  /** I with the rows in `order` (order[k]: the original row shown k-th). */
  value(order: ArrayLike<number>): MoransI {
    const { rows, cols } = this.grid;
    if (this.constant || this.sumSquares === 0)
      return { value: null, reason: 'the pattern is constant: Moran’s I is undefined (0 / 0)' };
    if (this.totalWeight === 0)
      return { value: null, reason: 'a 1 x 1 grid has no neighbours: Moran’s I is undefined' };
    let pairs = this.withinRows;
    for (let k = 0; k + 1 < rows; k++) pairs += this.cross[order[k]! * rows + order[k + 1]!]!;
    return { value: ((rows * cols) / this.totalWeight) * (pairs / this.sumSquares) };
  }
}

/** Moran's I of a grid with neighbours by `contiguity` (queen's by default, as the paper). */
export function moransI(grid: Grid, contiguity: Contiguity = 'queen'): MoransI {
  checkGrid(grid);
  return new MoranParts(grid, contiguity).value(Array.from({ length: grid.rows }, (_, r) => r));
}

export interface MaxOverPermutations {
  /** The largest I over the permutations (null with a reason when I is undefined). */
  max: MoransI;
  /** I of the rows as given. */
  original: MoransI;
  permutations: number;
}

/**
 * The largest Moran's I over `permutations` random orderings of the rows (seeded), for grids whose
 * row order means nothing (the paper: 2,000 permutations of the presynaptic neurons). Row
 * permutations leave the within-row pairs alone and only reorder the cross terms of adjacent rows,
 * which are computed once: each permutation costs one pass over the rows.
 */
export function maxMoransIOverRowPermutations(
  grid: Grid,
  options: { permutations?: number; seed?: number; contiguity?: Contiguity } = {},
): MaxOverPermutations {
  checkGrid(grid);
  const permutations = options.permutations ?? 2000;
  if (!Number.isInteger(permutations) || permutations < 1)
    throw new RangeError(`Moran's I: permutations must be a whole number >= 1, got ${permutations}`);
  const parts = new MoranParts(grid, options.contiguity ?? 'queen');
  const identity = Array.from({ length: grid.rows }, (_, r) => r);
  const original = parts.value(identity);
  if (original.value === null) return { max: original, original, permutations };
  const rng = new Rng(options.seed ?? 0);
  let best = -Infinity;
  for (let k = 0; k < permutations; k++) {
    const value = parts.value(rng.shuffle(identity.slice())).value!;
    if (value > best) best = value;
  }
  return { max: { value: best }, original, permutations };
}
