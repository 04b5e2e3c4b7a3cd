import type { EventsByNeuron, RealArray } from '../tensor.ts';
import { delayRange, gaussianTaps, gaussWindow, quantiseDelay, type DelayKernelConfig } from './kernels.ts';

/**
 * The passes of a sparse delay layer over its active synapses only: work proportional to the
 * synapses that exist, not to inputs x outputs. DelayLayer takes this path when its mask keeps
 * few synapses (delayLayer.ts); the dense loops are the reference it is tested against.
 *
 * A synapse's kernel is a short list of taps: one (round, hardware forward), two (lerp), or the
 * Gaussian's window (gauss). Each tap k carries the synapse's current k steps later with value
 * w kappa(k); the weight gradient needs kappa(k), the delay gradient d(w kappa(k))/dd, which the
 * hardware mode takes from its backward kernel (a Gaussian or the linear interpolation) while
 * its forward stays the integer tap.
 */

/** The sizes of one pass: neurons on each side, samples, time steps per sample. */
export interface PassShape {
  inputs: number;
  outputs: number;
  batch: number;
  timeSteps: number;
}

/** Synapses of a layer grouped by presynaptic neuron (compressed rows). */
export interface SynapseList {
  /** Synapses of presynaptic neuron i: slots start[i] .. start[i + 1] - 1. */
  start: Int32Array;
  /** Postsynaptic neuron of each slot. */
  post: Int32Array;
  /** Parameter index of each slot (i * outputs + j in the layer's arrays). */
  index: Int32Array;
  count: number;
}

/**
 * The synapses whose mask byte is `keep` (1: the active ones, 0: the dormant ones). With
 * `weights`, a synapse of nonzero weight counts as active whatever its mask says: a model
 * evaluated under a later mask (the best-validation parameters of a rewired run) keeps every
 * synapse it had. During training the two agree: absent synapses are held at weight 0.
 */
export function synapseList(
  mask: Uint8Array,
  inputs: number,
  outputs: number,
  keep: 0 | 1,
  weights: ArrayLike<number> | null = null,
): SynapseList {
  const isActive = (q: number): 0 | 1 => (mask[q]! !== 0 || (weights !== null && weights[q] !== 0) ? 1 : 0);
  const start = new Int32Array(inputs + 1);
  let count = 0;
  for (let q = 0; q < mask.length; q++) if (isActive(q) === keep) count++;
  const post = new Int32Array(count);
  const index = new Int32Array(count);
  let s = 0;
  for (let i = 0; i < inputs; i++) {
    start[i] = s;
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) {
      if (isActive(row + j) !== keep) continue;
      post[s] = j;
      index[s] = row + j;
      s++;
    }
  }
  start[inputs] = s;
  return { start, post, index, count };
}

/**
 * The list of the synapses `index` names (indices q = i * outputs + j, ascending): slot s is
 * synapse index[s]. Its parameter index per slot is that synapse's q, or with `byEntry` the
 * slot itself (a compact layer, whose entry e is slot e).
 */
export function synapseListOf(
  index: Int32Array,
  inputs: number,
  outputs: number,
  byEntry = false,
): SynapseList {
  const start = new Int32Array(inputs + 1);
  const post = new Int32Array(index.length);
  let e = 0;
  for (let i = 0; i < inputs; i++) {
    start[i] = e;
    const end = (i + 1) * outputs;
    for (; e < index.length && index[e]! < end; e++) post[e] = index[e]! - i * outputs;
  }
  start[inputs] = e;
  const params = byEntry ? Int32Array.from(index, (_, e) => e) : Int32Array.from(index);
  return { start, post, index: params, count: index.length };
}

/** Per slot, its forward taps and (when asked) its delay-derivative taps. */
export interface SlotTaps {
  /** Forward taps of slot s: start[s] .. start[s + 1] - 1. */
  start: Int32Array;
  tap: Int32Array;
  /** w kappa(k): the current a unit spike puts on tap k. */
  value: Float64Array;
  /** kappa(k) = d value / d w. */
  kernel: Float64Array;
  /**
   * Gauss and lerp: d value / d delay at each forward tap (the delay derivative has the forward
   * kernel's taps, so one pass over them gives both gradients); null for the other modes, whose
   * delay derivative (if any) is the delay list below.
   */
  delayAtTap: Float64Array | null;
  /** Delay-derivative taps of slot s (hardware mode): delayStart[s] .. delayStart[s + 1] - 1. */
  delayStart: Int32Array;
  delayTap: Int32Array;
  /** d (w kappa(k)) / d delay. */
  delayValue: Float64Array;
}

/** Growable tap storage: a slot's taps are appended one at a time. */
class TapBuilder {
  tap = new Int32Array(64);
  a = new Float64Array(64);
  b = new Float64Array(64);
  c = new Float64Array(64);
  length = 0;

  push(k: number, a: number, b: number, c = 0): void {
    if (this.length === this.tap.length) {
      const grow = <T extends Int32Array | Float64Array>(x: T, make: (n: number) => T): T => {
        const y = make(2 * x.length);
        y.set(x);
        return y;
      };
      this.tap = grow(this.tap, (n) => new Int32Array(n));
      this.a = grow(this.a, (n) => new Float64Array(n));
      this.b = grow(this.b, (n) => new Float64Array(n));
      this.c = grow(this.c, (n) => new Float64Array(n));
    }
    this.tap[this.length] = k;
    this.a[this.length] = a;
    this.b[this.length] = b;
    this.c[this.length] = c;
    this.length++;
  }
}

/**
 * The taps of every slot of `list` under `kernel` at the Gaussian's `sigma` (time steps), with
 * the Gaussian window of `radiusSigmas` (the precision's, as the dense loops use). The same
 * truncation and normalisation as the dense path, so both give the same kernel.
 */
export function slotTaps(
  list: SynapseList,
  weights: ArrayLike<number>,
  delays: ArrayLike<number>,
  kernel: DelayKernelConfig,
  sigma: number,
  radiusSigmas: number,
  wantDelay: boolean,
): SlotTaps {
  const td = kernel.maxDelay;
  const forward = new TapBuilder();
  const backward = new TapBuilder();
  const start = new Int32Array(list.count + 1);
  const delayStart = new Int32Array(list.count + 1);
  const norm = new Float64Array(td);
  const invVar = 1 / (sigma * sigma);
  const gaussDelay =
    kernel.mode === 'gauss' || (kernel.mode === 'hardware' && kernel.hardwareBackward === 'gauss');
  const { max } = delayRange(td);
  for (let s = 0; s < list.count; s++) {
    start[s] = forward.length;
    delayStart[s] = backward.length;
    const q = list.index[s]!;
    const w = weights[q]!;
    const d = delays[q]!;
    if (kernel.mode === 'gauss') {
      const window = gaussWindow(d, sigma, td, radiusSigmas);
      const mean = gaussianTaps(d, sigma, td, norm, 0, 1, window);
      for (let k = window.lo; k <= window.hi; k++) {
        const n = norm[k]!;
        forward.push(k, w * n, n, w * invVar * n * (k - mean));
      }
      continue;
    }
    // One or two taps; lerp and the hardware mode's lerp backward share the floor tap m.
    let m = Math.floor(d);
    if (m > max) m = max;
    if (m < 0) m = 0;
    const f = d - m;
    if (kernel.mode === 'lerp') {
      forward.push(m, w * (1 - f), 1 - f, -w);
      if (m + 1 < td) forward.push(m + 1, w * f, f, w);
      continue;
    }
    forward.push(quantiseDelay(d, kernel.rounding, td), w, 1);
    if (!wantDelay || kernel.mode === 'round') continue;
    if (gaussDelay) {
      const window = gaussWindow(d, sigma, td, radiusSigmas);
      const mean = gaussianTaps(d, sigma, td, norm, 0, 1, window);
      for (let k = window.lo; k <= window.hi; k++) backward.push(k, w * invVar * norm[k]! * (k - mean), 0);
    } else {
      backward.push(m, -w, 0);
      if (m + 1 < td) backward.push(m + 1, w, 0);
    }
  }
  start[list.count] = forward.length;
  delayStart[list.count] = backward.length;
  return {
    start,
    tap: forward.tap,
    value: forward.a,
    kernel: forward.b,
    delayAtTap: kernel.mode === 'gauss' || kernel.mode === 'lerp' ? forward.c : null,
    delayStart,
    delayTap: backward.tap,
    delayValue: backward.a,
  };
}

/** current[b, t + k, post] += value(k) * spike[b, t, pre] over every event and every slot of its neuron. */
export function sparseForward(
  list: SynapseList,
  taps: SlotTaps,
  events: EventsByNeuron,
  { inputs, outputs, timeSteps }: PassShape,
  current: RealArray,
): void {
  const { start: eventStart, batchTime, value: eventValue } = events;
  const { start, tap, value } = taps;
  const { start: slotStart, post } = list;
  for (let i = 0; i < inputs; i++) {
    const s0 = slotStart[i]!;
    const s1 = slotStart[i + 1]!;
    for (let e = eventStart[i]!; e < eventStart[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = eventValue[e]!;
      const remaining = timeSteps - (bt % timeSteps);
      const base = bt * outputs;
      for (let s = s0; s < s1; s++) {
        const at = base + post[s]!;
        for (let p = start[s]!; p < start[s + 1]!; p++) {
          const k = tap[p]!;
          if (k < remaining) current[at + k * outputs]! += val * value[p]!;
        }
      }
    }
  }
}

/**
 * Accumulates dL/dw (into gradWeights, when given) and dL/dd (into gradDelays, when given) of
 * every slot from dL/dcurrent, walking the input's events: sum over spikes of the spike times
 * the gradient at the taps it reached, weighted by kappa (weights) or its delay derivative.
 */
export function sparseParameterGradients(
  list: SynapseList,
  taps: SlotTaps,
  events: EventsByNeuron,
  shape: PassShape,
  gradCurrent: RealArray,
  gradWeights: RealArray | null,
  gradDelays: RealArray | null,
): void {
  const { start, tap, kernel, delayAtTap } = taps;
  if (delayAtTap && gradWeights && gradDelays) {
    tapReduce(list, start, tap, kernel, delayAtTap, events, shape, gradCurrent, gradWeights, gradDelays);
    return;
  }
  if (gradWeights) tapReduce(list, start, tap, kernel, null, events, shape, gradCurrent, gradWeights, null);
  if (gradDelays && delayAtTap)
    tapReduce(list, start, tap, delayAtTap, null, events, shape, gradCurrent, gradDelays, null);
  else if (gradDelays)
    tapReduce(
      list,
      taps.delayStart,
      taps.delayTap,
      taps.delayValue,
      null,
      events,
      shape,
      gradCurrent,
      gradDelays,
      null,
    );
}

/**
 * into[index[s]] += sum over events of i, taps p of s: spike * coefficient[p] * dL/dcurrent[b,
 * t + tap[p], post[s]], and the same with `second` into `secondInto` in the same pass.
 */
function tapReduce(
  list: SynapseList,
  start: Int32Array,
  tap: Int32Array,
  coefficient: Float64Array,
  second: Float64Array | null,
  events: EventsByNeuron,
  { inputs, outputs, timeSteps }: PassShape,
  gradCurrent: RealArray,
  into: RealArray,
  secondInto: RealArray | null,
): void {
  const { start: eventStart, batchTime, value: eventValue } = events;
  const { start: slotStart, post, index } = list;
  for (let i = 0; i < inputs; i++) {
    const s0 = slotStart[i]!;
    const s1 = slotStart[i + 1]!;
    for (let e = eventStart[i]!; e < eventStart[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = eventValue[e]!;
      const remaining = timeSteps - (bt % timeSteps);
      const base = bt * outputs;
      for (let s = s0; s < s1; s++) {
        const at = base + post[s]!;
        let g = 0;
        let h = 0;
        for (let p = start[s]!; p < start[s + 1]!; p++) {
          const k = tap[p]!;
          if (k >= remaining) continue;
          const grad = gradCurrent[at + k * outputs]!;
          g += coefficient[p]! * grad;
          if (second) h += second[p]! * grad;
        }
        const q = index[s]!;
        into[q]! += val * g;
        if (secondInto) secondInto[q]! += val * h;
      }
    }
  }
}

/**
 * dL/dinput[b, t, i] = sum over i's slots and their taps of value(k) dL/dcurrent[b, t + k, post],
 * for every (b, t): the input gradient the layer below needs, spikes or not.
 */
export function sparseInputGradient(
  list: SynapseList,
  taps: SlotTaps,
  { inputs, outputs, batch, timeSteps }: PassShape,
  gradCurrent: RealArray,
  gradInput: RealArray,
): void {
  const { start, tap, value } = taps;
  // Per sample, dL/dcurrent by output neuron ([outputs][timeSteps]) and one input neuron's sums
  // over time: the inner loop then runs over consecutive time steps of both.
  const byOutput = new Float64Array(outputs * timeSteps);
  const sum = new Float64Array(timeSteps);
  for (let b = 0; b < batch; b++) {
    const row0 = b * timeSteps;
    for (let t = 0; t < timeSteps; t++) {
      const from = (row0 + t) * outputs;
      for (let j = 0; j < outputs; j++) byOutput[j * timeSteps + t] = gradCurrent[from + j]!;
    }
    for (let i = 0; i < inputs; i++) {
      const s0 = list.start[i]!;
      const s1 = list.start[i + 1]!;
      if (s0 === s1) continue;
      sum.fill(0);
      for (let s = s0; s < s1; s++) {
        const column = list.post[s]! * timeSteps;
        for (let p = start[s]!; p < start[s + 1]!; p++) {
          const k = tap[p]!;
          const v = value[p]!;
          const at = column + k;
          for (let t = 0; t + k < timeSteps; t++) sum[t]! += v * byOutput[at + t]!;
        }
      }
      for (let t = 0; t < timeSteps; t++) gradInput[(row0 + t) * inputs + i] = sum[t]!;
    }
  }
}
