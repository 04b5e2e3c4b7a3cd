import type { DelayRounding } from '../synapses/kernels.ts';

/**
 * Spatio-temporal receptive fields of a two-layer delay network (as in Fig. 1A of "delays and
 * structure pruning"): which input, arriving after which delay, drives a neuron, and how strongly.
 *
 * Parameter layout (checked against src/core/synapses/delayLayer.ts): a layer's `weights` and
 * `delays` are flat arrays indexed [input i][output j], i.e. synapse (i -> j) is at
 * `i * fanOut + j` with fanOut = weights.length / fanIn. Delays are real numbers in time steps.
 */

/** One synapse onto a hidden neuron: its presynaptic input, real delay (time steps) and weight. */
export interface ReceptiveFieldPoint {
  input: number;
  delay: number;
  weight: number;
}

/** fanOut of a layer stored [fanIn][fanOut], after checking the arrays fit that layout. */
function fanOutOf(
  weights: ArrayLike<number>,
  delays: ArrayLike<number>,
  fanIn: number,
  what: string,
): number {
  if (!Number.isInteger(fanIn) || fanIn < 1)
    throw new RangeError(`${what}: fanIn must be >= 1, got ${fanIn}`);
  if (weights.length !== delays.length)
    throw new RangeError(`${what}: ${weights.length} weights but ${delays.length} delays`);
  if (weights.length % fanIn !== 0)
    throw new RangeError(`${what}: ${weights.length} weights is not a multiple of fanIn ${fanIn}`);
  return weights.length / fanIn;
}

function checkNeuron(neuron: number, count: number, what: string): void {
  if (!Number.isInteger(neuron) || neuron < 0 || neuron >= count)
    throw new RangeError(`${what}: neuron ${neuron} is not in [0, ${count})`);
}

/**
 * The synapses onto hidden neuron `neuron` of a layer with `fanIn` inputs, one point per input,
 * in input order; pruned synapses (weight exactly 0) are left out.
 */
export function hiddenField(
  weights: ArrayLike<number>,
  delays: ArrayLike<number>,
  fanIn: number,
  neuron: number,
): ReceptiveFieldPoint[] {
  const fanOut = fanOutOf(weights, delays, fanIn, 'hiddenField');
  checkNeuron(neuron, fanOut, 'hiddenField');
  const points: ReceptiveFieldPoint[] = [];
  for (let i = 0; i < fanIn; i++) {
    const q = i * fanOut + neuron;
    const weight = weights[q]!;
    if (weight === 0) continue;
    points.push({ input: i, delay: delays[q]!, weight });
  }
  return points;
}

/** Dense receptive field of an output neuron: grid[i * delaySpan + t] (input i, total delay t steps). */
export interface OutputField {
  grid: Float32Array;
  inputs: number;
  /** Number of integer delays 0 .. delaySpan - 1 (time steps) the grid covers. */
  delaySpan: number;
  /** Input -> hidden -> output paths whose total delay is >= delaySpan, left out of the grid. */
  clipped: number;
}

/** A real delay (time steps) as the integer tap the network uses; negative delays count as 0. */
function quantise(delay: number, rounding: DelayRounding): number {
  const q = rounding === 'floor' ? Math.floor(delay) : Math.round(delay);
  return q > 0 ? q : 0;
}

/**
 * Smallest `delaySpan` for which `outputField` clips nothing when layer delays lie in
 * [0, maxDelay - 1] (as DelayLayer.constrain keeps them): (maxDelay0 - 1) + (maxDelay1 - 1) + 1.
 */
export function fullDelaySpan(maxDelay0: number, maxDelay1: number): number {
  return maxDelay0 + maxDelay1 - 1;
}

/**
 * Effective input -> output field of output neuron `outputNeuron` through the hidden layer,
 * ignoring the neurons' non-linearity:
 *
 *   grid[i][t] = sum over hidden h, with q(d0[i,h]) + q(d1[h,k]) = t, of w1[h,k] * w0[i,h]
 *
 * where q rounds a real delay to the integer tap ('floor' or 'nearest', as the layer's kernel).
 * Layer 0 has `fanIn0` inputs and `hidden` outputs; layer 1 has `hidden` inputs and
 * w1.length / hidden outputs. Paths with total delay >= delaySpan are counted in `clipped`.
 */
export function outputField(
  w0: ArrayLike<number>,
  d0: ArrayLike<number>,
  fanIn0: number,
  hidden: number,
  w1: ArrayLike<number>,
  d1: ArrayLike<number>,
  outputNeuron: number,
  delaySpan: number,
  rounding: DelayRounding,
): OutputField {
  const hiddenOut = fanOutOf(w0, d0, fanIn0, 'outputField layer 0');
  if (hiddenOut !== hidden)
    throw new RangeError(`outputField: layer 0 has ${hiddenOut} outputs, expected hidden = ${hidden}`);
  const outputs = fanOutOf(w1, d1, hidden, 'outputField layer 1');
  checkNeuron(outputNeuron, outputs, 'outputField');
  if (!Number.isInteger(delaySpan) || delaySpan < 1)
    throw new RangeError(`outputField: delaySpan must be >= 1, got ${delaySpan}`);

  const grid = new Float32Array(fanIn0 * delaySpan);
  // Sum in f64, then store: Float32 accumulation over 800 hidden neurons loses digits.
  const sums = new Float64Array(grid.length);
  let clipped = 0;
  for (let h = 0; h < hidden; h++) {
    const q1 = h * outputs + outputNeuron;
    const weightOut = w1[q1]!;
    if (weightOut === 0) continue;
    const delayOut = quantise(d1[q1]!, rounding);
    for (let i = 0; i < fanIn0; i++) {
      const q0 = i * hidden + h;
      const weightIn = w0[q0]!;
      if (weightIn === 0) continue;
      const t = quantise(d0[q0]!, rounding) + delayOut;
      if (t >= delaySpan) {
        clipped++;
        continue;
      }
      sums[i * delaySpan + t]! += weightOut * weightIn;
    }
  }
  grid.set(sums);
  return { grid, inputs: fanIn0, delaySpan, clipped };
}
