/**
 * The event-driven, exact forward pass of EventProp's neuron (Wunderlich & Pehle 2021, with
 * synaptic delays as in mlGeNN): a leaky integrate-and-fire membrane fed by an exponentially
 * decaying synaptic current,
 *
 *   tau_mem dV/dt = -V + I,   tau_syn dI/dt = -I,
 *
 * where a presynaptic spike of neuron i at time t reaches neuron j at t + d_ji and makes
 * I_j jump by w_ji; at V = threshold the neuron spikes and V is reset to 0 (I goes on).
 *
 * Between events the solution is closed-form, V(s) = (V0 - A) e^(-s/tau_mem) + A e^(-s/tau_syn)
 * with A = I0 tau_syn / (tau_syn - tau_mem), so spike times are found to machine precision inside
 * the interval (no time grid) and delays are real numbers. Times in ms.
 */

export interface ExactLifParams {
  /** Membrane time constant (ms). */
  tauMem: number;
  /** Synaptic current time constant (ms); must differ from tauMem (the closed form divides by the difference). */
  tauSyn: number;
  threshold: number;
}

/** A spike: when (ms) and which neuron of its layer. */
export interface Spike {
  time: number;
  neuron: number;
}

/** A feed-forward layer of synapses, [inputs][outputs] as in the rest of Delay Lab. */
export interface ExactLayer {
  inputs: number;
  outputs: number;
  /** weights[i * outputs + j]: the current jump of j per spike of i. */
  weights: ArrayLike<number>;
  /** delays[i * outputs + j]: axonal/synaptic delay (ms), >= 0. */
  delays: ArrayLike<number>;
  /**
   * The same parameters by output neuron, [outputs][inputs] (weights[j * inputs + i]), for a
   * caller that keeps them across passes; runLayers makes them when absent. A neuron's arrival
   * list reads one row instead of one value every `outputs` entries (a cache miss per arrival).
   */
  byOutput?: { weights: ArrayLike<number>; delays: ArrayLike<number> };
}

/** [inputs][outputs] values as [outputs][inputs]. */
export function transposed(values: ArrayLike<number>, inputs: number, outputs: number): Float64Array {
  const out = new Float64Array(inputs * outputs);
  for (let i = 0; i < inputs; i++)
    for (let j = 0; j < outputs; j++) out[j * inputs + i] = values[i * outputs + j]!;
  return out;
}

/** The layer with its parameters by output neuron (see ExactLayer.byOutput): itself when it has them. */
export function withByOutput(layer: ExactLayer): ExactLayer {
  if (layer.byOutput) return layer;
  const { inputs, outputs } = layer;
  return {
    ...layer,
    byOutput: {
      weights: transposed(layer.weights, inputs, outputs),
      delays: transposed(layer.delays, inputs, outputs),
    },
  };
}

/** One neuron's simulation: its spike times and the synaptic current at each (EventProp's jumps need it). */
export interface NeuronTrace {
  /** Spike times (ms), increasing. */
  spikes: number[];
  /** I at each spike (continuous there: only V is reset). */
  currents: number[];
  /** A non-spiking readout's integral of V over the trial (ms x membrane units); absent for spiking neurons. */
  integral?: number;
  /** A non-spiking readout's highest V in the trial, and when (ms); absent for spiking neurons. */
  max?: number;
  maxTime?: number;
}

/** Refuses parameters the closed form cannot take, with the reason. */
export function checkLifParams(p: ExactLifParams): void {
  const positive = (v: number): boolean => Number.isFinite(v) && v > 0;
  if (!positive(p.tauMem) || !positive(p.tauSyn) || !positive(p.threshold))
    throw new RangeError(
      `tauMem, tauSyn and threshold must be positive numbers, got ${p.tauMem}, ${p.tauSyn}, ${p.threshold}`,
    );
  // Equal constants make V a different function (s e^(-s/tau)); mlGeNN's 20 / 5 ms are far apart.
  if (Math.abs(p.tauMem - p.tauSyn) < 1e-9 * p.tauMem)
    throw new RangeError(`tauSyn (${p.tauSyn} ms) must differ from tauMem (${p.tauMem} ms)`);
}

/**
 * How far below the threshold V(0) and I(0) must both be for simulateNeuron to skip the crossing
 * search, relative to the size of membraneAt's terms (the threshold, |V(0)| and twice |A|, A =
 * I(0) tau_syn / (tau_syn - tau_mem), which grows without bound as the time constants approach
 * each other): far above membraneAt's rounding (a few 1e-16 of those terms), so the search would
 * have found no crossing either and the spikes are the same to the bit.
 */
const NO_CROSSING_MARGIN = 1e-9;

/** Bisection steps at most (each halves the bracket; 200 is far past float64 resolution). */
const MAX_BISECTIONS = 200;

/** Membrane potential `s` ms after a point where it was v0 with current i0. */
export function membraneAt(p: ExactLifParams, v0: number, i0: number, s: number): number {
  const a = (i0 * p.tauSyn) / (p.tauSyn - p.tauMem);
  return (v0 - a) * Math.exp(-s / p.tauMem) + a * Math.exp(-s / p.tauSyn);
}

/** dV/dt at `s` ms after (v0, i0): (-V + I) / tau_mem. */
export function membraneSlopeAt(p: ExactLifParams, v0: number, i0: number, s: number): number {
  return (-membraneAt(p, v0, i0, s) + i0 * Math.exp(-s / p.tauSyn)) / p.tauMem;
}

/**
 * The first time s in (0, span] at which V reaches the threshold from below, or null. V is a sum
 * of two exponentials, so it has at most one extremum in the interval: the crossing, if any, lies
 * before the maximum (or at the end), where V rises monotonically; bisection on that rising part
 * finds it to the last bit.
 */
export function firstCrossing(p: ExactLifParams, v0: number, i0: number, span: number): number | null {
  const theta = p.threshold;
  // The extremum of V: dV/ds = 0 -> (a - v0)/tau_mem e^(-s/tau_mem) = a/tau_syn e^(-s/tau_syn).
  const a = (i0 * p.tauSyn) / (p.tauSyn - p.tauMem);
  let peak = span;
  const ratio = (a - v0) / p.tauMem / (a / p.tauSyn);
  if (a !== 0 && ratio > 0) {
    const s = Math.log(ratio) / (1 / p.tauMem - 1 / p.tauSyn);
    if (s > 0 && s < span) peak = s;
  }
  if (v0 >= theta) return 0;
  if (membraneAt(p, v0, i0, peak) < theta) {
    // Past the extremum V falls (or keeps rising to the end, which `peak = span` covered).
    return null;
  }
  let lo = 0;
  let hi = peak;
  for (let k = 0; k < MAX_BISECTIONS && hi - lo > 0; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (membraneAt(p, v0, i0, mid) >= theta) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * Spike times of one neuron driven by `arrivals` (sorted by time; `jump` is the current each adds)
 * until `duration` ms.
 */
export function simulateNeuron(p: ExactLifParams, arrivals: ArrivalTimes, duration: number): NeuronTrace {
  const spikes: number[] = [];
  const currents: number[] = [];
  let t = 0;
  let v = 0;
  let current = 0;
  let k = 0;
  const { count, time, jump } = arrivals;
  // |A| per unit of current (membraneAt's A = I tau_syn / (tau_syn - tau_mem)).
  const currentGain = Math.abs(p.tauSyn / (p.tauSyn - p.tauMem));
  while (t < duration) {
    const next = k < count ? Math.min(time[k]!, duration) : duration;
    // Spikes in (t, next]: each resets V to 0 while the current goes on decaying. V(s) is a
    // weighted mean of V(0) and of I over [0, s] (weights summing to 1), and I only decays, so
    // V never passes max(V(0), I(0), 0): when both are below the threshold no spike can come, and
    // the search (a logarithm and four exponentials) is skipped. That is most intervals (71 % in
    // the shd-eventprop bench case).
    const slack = NO_CROSSING_MARGIN * (p.threshold + Math.abs(v) + 2 * currentGain * Math.abs(current));
    const out = p.threshold - slack;
    while (v >= out || current >= out) {
      const s = firstCrossing(p, v, current, next - t);
      if (s === null || t + s > next || s <= 0) break;
      spikes.push(t + s);
      t += s;
      current *= Math.exp(-s / p.tauSyn);
      currents.push(current);
      v = 0;
    }
    // membraneAt and the current's decay, with the exponential they share computed once.
    const step = next - t;
    const synDecay = Math.exp(-step / p.tauSyn);
    const a = (current * p.tauSyn) / (p.tauSyn - p.tauMem);
    v = (v - a) * Math.exp(-step / p.tauMem) + a * synDecay;
    current *= synDecay;
    t = next;
    if (k >= count) break;
    // Every arrival at this time lands before the next interval.
    while (k < count && time[k]! <= t) current += jump[k++]!;
  }
  return { spikes, currents };
}

// At module level: one function, not a closure per call.
function byTimeThenNeuron(a: Spike, b: Spike): number {
  return a.time - b.time || a.neuron - b.neuron;
}

/** A layer's spikes as columns, in the same order (sorted by time, then neuron): what arrivals are built from. */
export interface SpikeColumns {
  time: Float64Array;
  neuron: Int32Array;
}

export function spikeColumns(spikes: readonly Spike[]): SpikeColumns {
  const time = new Float64Array(spikes.length);
  const neuron = new Int32Array(spikes.length);
  spikes.forEach((s, k) => {
    time[k] = s.time;
    neuron[k] = s.neuron;
  });
  return { time, neuron };
}

/** The times (sorted) and current jumps of a neuron's `count` arrivals: what a neuron's simulation reads. */
export interface ArrivalTimes {
  readonly count: number;
  readonly time: ArrayLike<number>;
  readonly jump: ArrayLike<number>;
}

/**
 * A neuron's arrivals (sorted by time, then by spike) as columns: typed arrays, not an object per
 * arrival, because a pass builds every neuron's list twice (forward, then backward) and they are
 * long (each spike of the layer below reaches every neuron: about 540,000 arrivals per sample
 * in the shd shape).
 */
export interface Arrivals extends ArrivalTimes {
  readonly time: Float64Array;
  readonly jump: Float64Array;
  /** The presynaptic neuron of each arrival. */
  readonly from: Int32Array;
  /** Each arrival's presynaptic spike: its index in its layer's sorted spike list. */
  readonly spike: Int32Array;
}

/** ArrivalTimes from a list already sorted by time (hand-made inputs). */
export function arrivalTimes(list: readonly { time: number; jump: number }[]): ArrivalTimes {
  return {
    count: list.length,
    time: Float64Array.from(list, (a) => a.time),
    jump: Float64Array.from(list, (a) => a.jump),
  };
}

/**
 * Steps by which an arrival may pass a step boundary and still land on it: float noise in a time
 * computed as t + d, not a real lateness. The WGSL kernels (float32) use the same value.
 */
export const GRID_TOLERANCE = 1e-6;

/** An arrival time on the grid of `dt` ms: the first step boundary at or after it (ms). */
export function onGrid(time: number, dt: number): number {
  // + 0: a time of 0 gives 0, not -0.
  return Math.ceil(time / dt - GRID_TOLERANCE) * dt + 0;
}

/**
 * Builds arrival lists elsewhere (WebAssembly: src/wasm/arrivalKernels.ts) from a layer with its
 * parameters by output neuron, the same lists to the bit; valid until its next build. Returns null
 * for what it does not take (the TypeScript loops build those).
 */
export interface ArrivalBuilder {
  build(layer: ExactLayer, input: SpikeColumns, j: number, gridDt: number | null): Arrivals | null;
}

let installedBuilder: ArrivalBuilder | null = null;

/** Makes ArrivalLists in this thread use `builder` (null: the TypeScript loops). */
export function installArrivalBuilder(builder: ArrivalBuilder | null): void {
  installedBuilder = builder;
}

/**
 * Builds neurons' arrival lists (sorted by time, then by spike) one at a time, into arrays it
 * reuses (or, with an ArrivalBuilder installed, into that builder's): a list is valid until the
 * next list is built with it (with a builder: by anyone in this thread). A pass needs one neuron's
 * list at a time, so memory grows with the number of spikes, not with spikes x fan-out; and
 * reusing the arrays matters for speed too: a fresh set per neuron (six typed arrays of a few
 * thousand entries, about 1,500 sets per shd-shaped sample) made allocation and zeroing a third of
 * a step. Times are sums of finite spike times and delays; with a NaN or infinite delay the order
 * is not defined (and may differ between the builders).
 */
export class ArrivalLists {
  private capacity = 0;
  private unsorted = new Float64Array(0);
  private order = new Int32Array(0);
  private bucketStarts = new Int32Array(1);
  private bucketOf = new Int32Array(0);
  private time = new Float64Array(0);
  private jump = new Float64Array(0);
  private from = new Int32Array(0);
  private spike = new Int32Array(0);

  /**
   * The arrivals at neuron `j` of `layer` from its input spikes; with `gridDt`, each arrival
   * time moved up to the grid of that many ms (onGrid: the time-stepped variant delivers at step
   * boundaries). An installed ArrivalBuilder builds them where it can, into its own memory.
   */
  build(layer: ExactLayer, input: SpikeColumns, j: number, gridDt: number | null = null): Arrivals {
    const elsewhere = installedBuilder?.build(layer, input, j, gridDt);
    if (elsewhere) return elsewhere;
    const count = input.time.length;
    this.reserve(count);
    // Neuron j's row of the parameters by output neuron: parameter i at row + i * stride.
    const { weights, delays } = layer.byOutput ?? layer;
    const row = layer.byOutput ? j * layer.inputs : j;
    const stride = layer.byOutput ? 1 : layer.outputs;
    const unsorted = this.unsorted;
    let first = Infinity;
    let last = -Infinity;
    for (let k = 0; k < count; k++) {
      // Zero weights arrive too: they change nothing forward, but have a gradient.
      const shifted = input.time[k]! + delays[row + input.neuron[k]! * stride]!;
      const time = gridDt !== null ? onGrid(shifted, gridDt) : shifted;
      unsorted[k] = time;
      if (time < first) first = time;
      if (time > last) last = time;
    }
    const order = this.sortOrder(count, first, last);
    const { time, jump, from, spike } = this;
    for (let k = 0; k < count; k++) {
      const index = order[k]!;
      const neuron = input.neuron[index]!;
      time[k] = unsorted[index]!;
      jump[k] = weights[row + neuron * stride]!;
      from[k] = neuron;
      spike[k] = index;
    }
    return {
      count,
      time: time.subarray(0, count),
      jump: jump.subarray(0, count),
      from: from.subarray(0, count),
      spike: spike.subarray(0, count),
    };
  }

  private reserve(count: number): void {
    if (count <= this.capacity) return;
    // Grown by half again, so a pass over layers of growing spike counts reallocates rarely.
    const capacity = Math.max(count, Math.ceil(this.capacity * 1.5));
    this.capacity = capacity;
    this.unsorted = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
    this.bucketStarts = new Int32Array(capacity + 1);
    this.bucketOf = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.jump = new Float64Array(capacity);
    this.from = new Int32Array(capacity);
    this.spike = new Int32Array(capacity);
  }

  /**
   * The order of the first `count` unsorted times sorted by time, then by index: a bucket sort
   * over [first, last] (one bucket per entry on average) with an insertion sort inside each
   * bucket. A neuron's arrivals are spread over the trial, so this is linear in their number,
   * where a comparison sort of a few thousand per neuron dominated a training step.
   */
  private sortOrder(count: number, first: number, last: number): Int32Array {
    const { unsorted: time, order } = this;
    if (count < 32 || !(last > first)) {
      const indices = Array.from({ length: count }, (_, k) => k);
      indices.sort((a, b) => time[a]! - time[b]! || a - b);
      order.set(indices);
      return order;
    }
    const scale = (count - 1) / (last - first);
    const starts = this.bucketStarts.fill(0, 0, count + 1);
    const bucketOf = this.bucketOf;
    for (let k = 0; k < count; k++) {
      const b = Math.floor((time[k]! - first) * scale);
      bucketOf[k] = b;
      starts[b + 1]!++;
    }
    for (let b = 0; b < count; b++) starts[b + 1]! += starts[b]!;
    // Placed in index order, so equal times stay in index order within a bucket.
    for (let k = 0; k < count; k++) order[starts[bucketOf[k]!]!++] = k;
    // Every entry is now at most one bucket from its place: insertion-sort the whole order
    // (cheap: buckets hold about one entry each).
    for (let k = 1; k < count; k++) {
      const item = order[k]!;
      const itemTime = time[item]!;
      let m = k - 1;
      for (; m >= 0; m--) {
        const other = order[m]!;
        const otherTime = time[other]!;
        if (otherTime < itemTime || (otherTime === itemTime && other < item)) break;
        order[m + 1] = other;
      }
      order[m + 1] = item;
    }
    return order;
  }
}

/**
 * A non-spiking readout neuron (the same membrane, no threshold) driven by `arrivals` (sorted):
 * the integral of V over [0, duration], in closed form between events,
 * int_0^s V = (V0 - A) tau_mem (1 - e^(-s/tau_mem)) + A tau_syn (1 - e^(-s/tau_syn)).
 */
export function readoutIntegral(p: ExactLifParams, arrivals: ArrivalTimes, duration: number): number {
  let t = 0;
  let v = 0;
  let current = 0;
  let integral = 0;
  let k = 0;
  const { count, time, jump } = arrivals;
  while (t < duration) {
    while (k < count && time[k]! <= t) current += jump[k++]!;
    const next = k < count ? Math.min(time[k]!, duration) : duration;
    const s = next - t;
    const a = (current * p.tauSyn) / (p.tauSyn - p.tauMem);
    integral +=
      (v - a) * p.tauMem * (1 - Math.exp(-s / p.tauMem)) + a * p.tauSyn * (1 - Math.exp(-s / p.tauSyn));
    v = membraneAt(p, v, current, s);
    current *= Math.exp(-s / p.tauSyn);
    t = next;
  }
  return integral;
}

/**
 * A non-spiking readout's highest V in [0, duration] and when (the first time it is reached).
 * Between events V has at most one extremum (see firstCrossing), so the maximum is at an event,
 * at the trial's end, or at an interior extremum found in closed form. V starts at 0, so the
 * maximum is at least 0 (at t = 0 when V never rises).
 */
export function readoutMax(
  p: ExactLifParams,
  arrivals: ArrivalTimes,
  duration: number,
): { value: number; time: number } {
  let t = 0;
  let v = 0;
  let current = 0;
  let k = 0;
  let bestValue = 0;
  let bestTime = 0;
  const { count, time, jump } = arrivals;
  while (t < duration) {
    while (k < count && time[k]! <= t) current += jump[k++]!;
    const next = k < count ? Math.min(time[k]!, duration) : duration;
    const span = next - t;
    const a = (current * p.tauSyn) / (p.tauSyn - p.tauMem);
    const ratio = (a - v) / p.tauMem / (a / p.tauSyn);
    if (a !== 0 && ratio > 0) {
      const s = Math.log(ratio) / (1 / p.tauMem - 1 / p.tauSyn);
      const peak = s > 0 && s < span ? membraneAt(p, v, current, s) : -Infinity;
      if (peak > bestValue) {
        bestValue = peak;
        bestTime = t + s;
      }
    }
    v = membraneAt(p, v, current, span);
    current *= Math.exp(-span / p.tauSyn);
    t = next;
    if (v > bestValue) {
      bestValue = v;
      bestTime = t;
    }
  }
  return { value: bestValue, time: bestTime };
}

/** One layer's forward pass as EventProp's backward pass reads it. */
export interface LayerPass {
  /** The layer's spikes, sorted by time. */
  spikes: Spike[];
  /** Per neuron: its spike times and the current at each (a readout: its integral or maximum). */
  traces: NeuronTrace[];
}

/** A network's forward pass: the input spikes (sorted), each layer's pass, and how to rebuild arrivals. */
export interface ForwardPass {
  input: Spike[];
  layers: LayerPass[];
  /**
   * The arrivals at neuron j of layer l, sorted, as the forward pass used them: rebuilt on each
   * call into reused arrays, so a list is valid until the next arrival list is built in this
   * thread (by any pass).
   */
  arrivals(l: number, j: number): Arrivals;
}

/** The arrival lists every pass in this thread builds into (see runLayers). */
const THREAD_LISTS = new ArrivalLists();

/**
 * A feed-forward pass: each neuron of each layer simulated on its arrivals from the previous
 * layer's spikes (`simulate`; arrival times moved up to a grid of `gridDt` ms where given), and the layer's
 * spikes collected and sorted by time.
 */
export function runLayers(
  layers: readonly ExactLayer[],
  input: readonly Spike[],
  gridDt: number | null,
  simulate: (arrivals: Arrivals, l: number) => NeuronTrace,
): ForwardPass {
  // One set of list arrays for every pass in this thread, as an installed builder has: whether
  // or not one is, a list is valid until the next is built (tests run both ways).
  const lists = THREAD_LISTS;
  const sortedInput = [...input].sort(byTimeThenNeuron);
  const prepared = layers.map(withByOutput);
  const passes: LayerPass[] = [];
  // Each layer's input spikes as columns, kept for the backward pass's arrival lists.
  const inputs: SpikeColumns[] = [];
  let previous = sortedInput;
  prepared.forEach((layer, l) => {
    const columns = spikeColumns(previous);
    inputs.push(columns);
    const traces: NeuronTrace[] = [];
    for (let j = 0; j < layer.outputs; j++) traces.push(simulate(lists.build(layer, columns, j, gridDt), l));
    const spikes: Spike[] = [];
    traces.forEach((trace, j) => {
      for (const time of trace.spikes) spikes.push({ time, neuron: j });
    });
    spikes.sort(byTimeThenNeuron);
    passes.push({ spikes, traces });
    previous = spikes;
  });
  return {
    input: sortedInput,
    layers: passes,
    arrivals: (l, j) => lists.build(prepared[l]!, inputs[l]!, j, gridDt),
  };
}

/** What the last layer is: spiking neurons, or a non-spiking readout reporting its integral or its maximum of V. */
export type OutputKind = 'spiking' | 'integral' | 'max';

/** A readout neuron's trace: no spikes, its integral of V or its maximum (and when). */
export function readoutTrace(
  p: ExactLifParams,
  arrivals: ArrivalTimes,
  duration: number,
  kind: Exclude<OutputKind, 'spiking'>,
): NeuronTrace {
  if (kind === 'integral')
    return { spikes: [], currents: [], integral: readoutIntegral(p, arrivals, duration) };
  const { value, time } = readoutMax(p, arrivals, duration);
  return { spikes: [], currents: [], max: value, maxTime: time };
}

/**
 * The exact forward pass of every layer (the input spikes are `input`, sorted); with `output`
 * other than 'spiking' the last layer does not spike and reports each neuron's integral or
 * maximum of V instead (`true` is the integral, as before).
 */
export function forwardPass(
  p: ExactLifParams,
  layers: readonly ExactLayer[],
  input: readonly Spike[],
  duration: number,
  output: OutputKind | boolean = 'spiking',
): ForwardPass {
  checkLifParams(p);
  const kind: OutputKind = output === true ? 'integral' : output === false ? 'spiking' : output;
  const last = layers.length - 1;
  return runLayers(layers, input, null, (arrivals, l) =>
    kind !== 'spiking' && l === last
      ? readoutTrace(p, arrivals, duration, kind)
      : simulateNeuron(p, arrivals, duration),
  );
}

/** Spikes of every layer of a feed-forward network (the input spikes first), each sorted by time. */
export function simulateNetwork(
  p: ExactLifParams,
  layers: readonly ExactLayer[],
  input: readonly Spike[],
  duration: number,
): Spike[][] {
  const pass = forwardPass(p, layers, input, duration);
  return [pass.input, ...pass.layers.map((l) => l.spikes)];
}
