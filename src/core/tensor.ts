/**
 * Typed-array helpers. The engine stores every tensor as a flat typed array with a documented
 * layout, batch first: spikes and membranes are `[batch][time][neuron]`, synapse parameters are
 * `[input][output]` (input-major, so a presynaptic neuron's fan-out is contiguous).
 */
export type Precision = 'f32' | 'f64';
export type RealArray = Float32Array | Float64Array;

export function allocReal(precision: Precision, length: number): RealArray {
  return precision === 'f64' ? new Float64Array(length) : new Float32Array(length);
}

export function copyReal(precision: Precision, source: ArrayLike<number>): RealArray {
  const out = allocReal(precision, source.length);
  for (let i = 0; i < source.length; i++) out[i] = source[i]!;
  return out;
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (a > m) m = a;
  }
  return m;
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/**
 * Whether every value is finite. x * 0 is 0 for a finite x and NaN for NaN or an infinity, so the
 * sums are 0 exactly when all are finite; four independent sums and no branch make it about 2.5x
 * faster than testing each value (it runs over every gradient before each optimiser step).
 */
export function allFinite(values: ArrayLike<number>): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const whole = values.length - (values.length % 4);
  for (let i = 0; i < whole; i += 4) {
    a += values[i]! * 0;
    b += values[i + 1]! * 0;
    c += values[i + 2]! * 0;
    d += values[i + 3]! * 0;
  }
  for (let i = whole; i < values.length; i++) a += values[i]! * 0;
  return a + b + c + d === 0;
}

/**
 * Non-zero entries of a `[batch][time][neuron]` tensor grouped by neuron (compressed sparse
 * columns). The delay layers walk one presynaptic neuron at a time, so that the taps of its
 * synapses are computed once per training step and reused for every spike it emitted.
 */
export interface EventsByNeuron {
  /** `start[i]..start[i+1]` indexes neuron i's events. Length neurons + 1. */
  start: Int32Array;
  /** Flat index `b * timeSteps + t` of each event. */
  batchTime: Int32Array;
  /** Value of each event (1 for a binary spike). */
  value: Float64Array;
}

export function eventsByNeuron(
  dense: ArrayLike<number>,
  batch: number,
  timeSteps: number,
  neurons: number,
): EventsByNeuron {
  // By row first (one pass over the dense tensor without a data-dependent branch), then the
  // events alone regrouped by neuron, each neuron's still in row order: 1.3x faster than two
  // branching passes over the dense tensor.
  const rows = batch * timeSteps;
  const byRow = eventsByRow(dense, rows, neurons);
  const total = byRow.neuron.length;
  const start = new Int32Array(neurons + 1);
  for (let e = 0; e < total; e++) start[byRow.neuron[e]! + 1]!++;
  for (let i = 0; i < neurons; i++) start[i + 1]! += start[i]!;
  const batchTime = new Int32Array(total);
  const value = new Float64Array(total);
  const fill = start.slice(0, neurons);
  for (let r = 0; r < rows; r++) {
    for (let e = byRow.start[r]!; e < byRow.start[r + 1]!; e++) {
      const at = fill[byRow.neuron[e]!]!++;
      batchTime[at] = r;
      value[at] = byRow.value[e]!;
    }
  }
  return { start, batchTime, value };
}

/**
 * Non-zero entries of a `[rows][neurons]` tensor grouped by row (compressed sparse rows), where
 * a row is one (sample, step). Walking rows keeps the writes of one sample close together.
 */
export interface EventsByRow {
  /** `start[r]..start[r+1]` indexes row r's events. Length rows + 1. */
  start: Int32Array;
  neuron: Int32Array;
  value: Float64Array;
}

export function eventsByRow(dense: ArrayLike<number>, rows: number, neurons: number): EventsByRow {
  // One pass without a data-dependent branch: every entry's neuron is written at the next free
  // place, which only moves on past a non-zero (spike tensors are 80-97 % zeros, and a branch on
  // each entry mispredicts at every spike): 1.3-1.5x faster than counting first.
  const scratch = rowScratch(rows * neurons + 1);
  const start = new Int32Array(rows + 1);
  let at = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * neurons;
    for (let i = 0; i < neurons; i++) {
      scratch[at] = i;
      at += dense[base + i] !== 0 ? 1 : 0;
    }
    start[r + 1] = at;
  }
  const neuron = scratch.slice(0, at);
  const value = new Float64Array(at);
  for (let r = 0; r < rows; r++) {
    const base = r * neurons;
    for (let e = start[r]!; e < start[r + 1]!; e++) value[e] = dense[base + neuron[e]!]!;
  }
  return { start, neuron, value };
}

let rowScratchArray = new Int32Array(0);

/** eventsByRow's scratch, grown as needed and reused (this thread's). */
function rowScratch(length: number): Int32Array {
  if (rowScratchArray.length < length) rowScratchArray = new Int32Array(length);
  return rowScratchArray;
}
