import type { RealArray } from '../tensor.ts';

/**
 * The Gaussian layer's loops restricted to each synapse's tap window (gaussWindow in
 * kernels.ts): one presynaptic neuron i at a time, its `n` outgoing synapses j with taps
 * lo[j]..hi[j] (inclusive) and values taps[j * td + k] = w_ij n_ij(k). Late in a run (sigma about
 * 0.5) a window is 5 or 6 taps of Td, so these loops do about W / Td of the dense loops' work;
 * DelayLayer picks them when the windows are that small. Same sums as the dense loops, whose
 * taps outside a window are exactly 0, in another order.
 */
export interface SynapseWindows {
  /** First tap of synapse j's window. */
  readonly lo: Int32Array;
  /** Last tap of synapse j's window (inclusive). */
  readonly hi: Int32Array;
  /** [n][td]: w * n(k) by synapse; only lo..hi is read. */
  readonly taps: Float64Array;
}

/** Spike events of one presynaptic neuron: batch-time row and value of each. */
export interface NeuronEvents {
  readonly start: ArrayLike<number>;
  readonly batchTime: ArrayLike<number>;
  readonly value: ArrayLike<number>;
}

/** Forward: current[(bt + k) n + j] += v * taps[j][k] for each event (bt, v) of neuron i, k in window_j. */
export function scatterWindowed(
  w: SynapseWindows,
  events: NeuronEvents,
  i: number,
  n: number,
  td: number,
  timeSteps: number,
  current: RealArray,
): void {
  const { lo, hi, taps } = w;
  for (let e = events.start[i]!; e < events.start[i + 1]!; e++) {
    const bt = events.batchTime[e]!;
    const val = events.value[e]!;
    const last = timeSteps - 1 - (bt % timeSteps);
    for (let j = 0; j < n; j++) {
      const top = Math.min(hi[j]!, last);
      const row = j * td;
      for (let k = lo[j]!; k <= top; k++) current[(bt + k) * n + j]! += val * taps[row + k]!;
    }
  }
}

/**
 * dL/dK_ij[k] of neuron i's synapses, summed over its events, into grad[k * n + j] for k in
 * window_j (every other entry is set to 0): the correlation of the input spikes with dL/dcurrent.
 */
export function tapGradWindowed(
  w: SynapseWindows,
  events: NeuronEvents,
  i: number,
  n: number,
  timeSteps: number,
  gradCurrent: RealArray,
  grad: Float64Array,
): void {
  const { lo, hi } = w;
  grad.fill(0);
  for (let e = events.start[i]!; e < events.start[i + 1]!; e++) {
    const bt = events.batchTime[e]!;
    const val = events.value[e]!;
    const last = timeSteps - 1 - (bt % timeSteps);
    for (let j = 0; j < n; j++) {
      const top = Math.min(hi[j]!, last);
      for (let k = lo[j]!; k <= top; k++) grad[k * n + j]! += val * gradCurrent[(bt + k) * n + j]!;
    }
  }
}

/**
 * Input gradient of neuron i: gradInput[bt * inputs + i] = sum_j sum_{k in window_j, t + k < T}
 * taps[j][k] gradCurrent[(bt + k) n + j], for all rows bt. Eight consecutive steps of a sample
 * share each tap load (as the dense loop does); the last steps of a sample go one at a time.
 */
export function gatherWindowed(
  w: SynapseWindows,
  i: number,
  n: number,
  td: number,
  inputs: number,
  batch: number,
  timeSteps: number,
  gradCurrent: RealArray,
  gradInput: RealArray,
): void {
  const { lo, hi, taps } = w;
  let reach = 0;
  for (let j = 0; j < n; j++) reach = Math.max(reach, hi[j]!);
  const rows = batch * timeSteps;
  for (let bt = 0; bt < rows;) {
    const t0 = bt % timeSteps;
    if (t0 + 7 + reach < timeSteps) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (let j = 0; j < n; j++) {
        const row = j * td;
        const top = hi[j]!;
        for (let k = lo[j]!; k <= top; k++) {
          const tap = taps[row + k]!;
          const at = (bt + k) * n + j;
          s0 += tap * gradCurrent[at]!;
          s1 += tap * gradCurrent[at + n]!;
          s2 += tap * gradCurrent[at + 2 * n]!;
          s3 += tap * gradCurrent[at + 3 * n]!;
          s4 += tap * gradCurrent[at + 4 * n]!;
          s5 += tap * gradCurrent[at + 5 * n]!;
          s6 += tap * gradCurrent[at + 6 * n]!;
          s7 += tap * gradCurrent[at + 7 * n]!;
        }
      }
      const out = bt * inputs + i;
      gradInput[out] = s0;
      gradInput[out + inputs] = s1;
      gradInput[out + 2 * inputs] = s2;
      gradInput[out + 3 * inputs] = s3;
      gradInput[out + 4 * inputs] = s4;
      gradInput[out + 5 * inputs] = s5;
      gradInput[out + 6 * inputs] = s6;
      gradInput[out + 7 * inputs] = s7;
      bt += 8;
    } else {
      const last = timeSteps - 1 - t0;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const row = j * td;
        const top = Math.min(hi[j]!, last);
        for (let k = lo[j]!; k <= top; k++) s += taps[row + k]! * gradCurrent[(bt + k) * n + j]!;
      }
      gradInput[bt * inputs + i] = s;
      bt += 1;
    }
  }
}
