// Why this file is over 400 lines: one layer's forward pass and its three gradients (inputs,
// weights, delays) for every kernel mode share the tap tables and the event lists they are
// computed from; the CPU-speed work (issue 15) will split the hot loops out.
import {
  allocReal,
  eventsByNeuron,
  eventsByRow,
  type EventsByNeuron,
  type EventsByRow,
  type Precision,
  type RealArray,
} from '../tensor.ts';
import {
  delayRange,
  GAUSS_RADIUS_SIGMAS,
  gaussianTaps,
  gaussWindow,
  hasDelayGradient,
  quantiseDelay,
  type DelayKernelConfig,
} from './kernels.ts';
import { gatherWindowed, scatterWindowed, tapGradWindowed, type SynapseWindows } from './gaussWindowed.ts';
import {
  slotTaps,
  sparseForward,
  sparseInputGradient,
  sparseParameterGradients,
  synapseList,
  synapseListOf,
  type PassShape,
  type SlotTaps,
  type SynapseList,
} from './sparseSynapses.ts';
import {
  layerAccelerator,
  type GaussPass,
  type LayerAccelerator,
  type LayerPass,
  type SparsePass,
} from './layerAccelerator.ts';

/**
 * The windowed Gaussian loops (gaussWindowed.ts) run for a presynaptic neuron when its synapses'
 * tap windows hold at most this fraction of outputs x Td taps: below it their shorter inner loops
 * win over the dense loops' longer, contiguous ones.
 * (The WebAssembly kernels choose by their own rule: WINDOWED_FRACTION in src/wasm/layerKernels.ts.)
 */
const WINDOWED_LOOPS_MAX_COVERAGE = 0.5;

/**
 * A masked layer runs its passes over its active synapses only (sparseSynapses.ts) when they are
 * at most this share of inputs x outputs (93.75 % sparse or more) and RigL does not want the
 * dormant synapses' gradients too. In float32 both paths run in WebAssembly: the dense loops with
 * SIMD, the active-synapse ones scalar (one synapse's taps at a time), so the crossover is far
 * out. Measured per training step on one thread (f32, fixed masks, the same network on both
 * paths, nothing else running; `npx tsx bench/sparseCrossover.ts`):
 *   mnist-small 784-128-10, lerp, batch 32: dense / sparse 8.3 / 9.3 ms at 75 %, 7.9 / 7.1 at
 *     87.5 %, 8.3 / 6.6 at 93.75 % (the TypeScript sparse loops: 6.8 and 6.0 ms);
 *   shd-bench 700-256-256-20, Gaussian, batch 8: 170 / 379 ms at 75 %, 169 / 177 at 87.5 %,
 *     160 / 97 at 93.75 %, 159 / 57 at 97 % (the TypeScript sparse loops: 387, 197, 106 ms).
 * From 87.5 % down the two are within 10 % of each other, so the threshold stays at 93.75 %.
 */
export const SPARSE_PATH_FRACTION = 1 / 16;

export type SparsePath = 'auto' | 'always' | 'never';

/** The active synapses of the last forward and their taps, when it took the sparse path. */
interface SparseState {
  list: SynapseList;
  taps: SlotTaps;
}

/**
 * Whether a layer that keeps `active` of `possible` synapses stores them compactly by default
 * (see DelayLayer's `synapseIndex`): where its passes take the sparse path anyway (the dense
 * loops need dense arrays).
 */
export function storesCompactly(active: number, possible: number): boolean {
  return active <= SPARSE_PATH_FRACTION * possible;
}

/**
 * A layer of delay synapses from `inputs` to `outputs` neurons. Synapse (i -> j), index
 * q = i * outputs + j, has a weight and a real delay (time steps).
 *
 * Storage is dense, `weights[q]` and `delays[q]` (with an optional mask of absent synapses), or
 * compact (`synapseIndex` given): entry e holds synapse synapseIndex[e], ascending, and the
 * parameter and gradient arrays have one entry per active synapse, so memory follows the active
 * synapses, not inputs x outputs. Compact layers always take the sparse path; a rewired one's
 * list is rewritten in place between steps (`structureChanges`).
 *
 * Forward: current[b, t, j] = sum_i sum_k K_ij[k] * s[b, t - k, i]. Only non-zero inputs are
 * visited (binary spikes are sparse), one presynaptic neuron at a time, so the taps of its
 * `outputs` synapses are computed once per call and shared by all its spikes in the batch.
 * Scratch memory is O(outputs * maxDelay); parameters and gradients are O(inputs * outputs).
 */
export class DelayLayer {
  readonly weights: RealArray;
  readonly delays: RealArray;
  readonly gradWeights: RealArray;
  readonly gradDelays: RealArray;
  /** Optional connectivity: 0 removes a synapse (its weight is held at 0, its gradients are 0). */
  mask: Uint8Array | null = null;
  /** Standard deviation (time steps) of the Gaussian kernel; set by the sigma schedule. */
  sigma = 1;
  /** Skip gradients nobody will use (frozen weights or delays). */
  computeWeightGrad = true;
  computeDelayGrad = true;
  /**
   * Keep the weight gradients of masked (dormant) synapses: rewiring's RigL regrowth ranks them
   * (structure/rewiring.ts). Otherwise they are zeroed after the backward pass.
   */
  keepDormantGradients = false;
  /** When a masked layer takes the sparse path (SPARSE_PATH_FRACTION). */
  sparsePath: SparsePath = 'auto';
  /** Compact storage: the synapse index q of each stored entry, ascending; null when dense. */
  readonly synapseIndex: Int32Array | null;

  private sparse: SparseState | null = null;
  /**
   * A compact layer's synapse list: built once for a fixed structure, before every forward
   * where `structureChanges` (rewiring rewrites synapseIndex in place between steps).
   */
  private compactList: SynapseList | null;
  /** Rewiring changes this compact layer's synapses between steps. */
  structureChanges = false;
  /**
   * RigL on a compact layer: dL/dw of every possible synapse (index q), the dormant ones taken
   * at their birth delay (`dormantDelay`), which the rewiring step ranks. One value per possible
   * synapse: the one array of a compact rewired layer that is not O(active synapses).
   */
  dormantGradWeights: RealArray | null = null;
  /** A dormant synapse's delay (time steps) for dormantGradWeights: its birth delay. */
  dormantDelay: ((q: number) => number) | null = null;
  private events: EventsByNeuron | null = null;
  private rowEvents: EventsByRow | null = null;
  private tables: SparseTables | null = null;
  private batch = 0;
  private timeSteps = 0;
  // Scratch, O(outputs * maxDelay).
  private readonly denseTaps: Float64Array;
  private readonly denseNorm: Float64Array;
  private readonly denseGrad: Float64Array;
  private readonly meanTap: Float64Array;
  // Per-synapse tap windows of the neuron being processed, and its taps by synapse (the windowed
  // loops of gaussWindowed.ts); `windowed` says whether they are used for that neuron.
  private readonly windows: SynapseWindows;
  private windowed = false;
  /** Presynaptic neurons that took the windowed loops since the last forward began (tests, profiling). */
  windowedNeurons = 0;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly kernel: DelayKernelConfig,
    readonly precision: Precision,
    /** Arrays to use instead of fresh ones (e.g. views of shared memory for data-parallel training). */
    storage: Partial<LayerStorage> = {},
    /** Compact storage of these synapses (indices q, strictly ascending); null: dense. */
    synapseIndex: Int32Array | null = null,
  ) {
    if (synapseIndex) checkSynapseIndex(synapseIndex, inputs * outputs);
    this.synapseIndex = synapseIndex;
    this.compactList = synapseIndex ? synapseListOf(synapseIndex, inputs, outputs, true) : null;
    const n = synapseIndex ? synapseIndex.length : inputs * outputs;
    const take = (given: RealArray | undefined): RealArray => {
      if (given && given.length !== n)
        throw new Error(`DelayLayer storage has length ${given.length}, expected ${n}`);
      return given ?? allocReal(precision, n);
    };
    this.weights = take(storage.weights);
    this.delays = take(storage.delays);
    this.gradWeights = take(storage.gradWeights);
    this.gradDelays = take(storage.gradDelays);
    const td = kernel.maxDelay;
    this.denseTaps = new Float64Array(td * outputs);
    this.denseNorm = new Float64Array(td * outputs);
    this.denseGrad = new Float64Array(td * outputs);
    this.meanTap = new Float64Array(outputs);
    this.windows = {
      lo: new Int32Array(outputs),
      hi: new Int32Array(outputs),
      taps: new Float64Array(outputs * td),
    };
  }

  get hasDelayGradient(): boolean {
    return hasDelayGradient(this.kernel.mode);
  }

  /** Synapses that can exist: inputs x outputs. */
  get possibleSynapses(): number {
    return this.inputs * this.outputs;
  }

  /** Synapses that exist: a compact layer's entries, a masked layer's kept ones, else all. */
  get activeSynapses(): number {
    if (this.synapseIndex) return this.synapseIndex.length;
    const mask = this.mask;
    if (!mask) return this.possibleSynapses;
    let n = 0;
    for (let q = 0; q < mask.length; q++) if (mask[q] !== 0) n++;
    return n;
  }

  /** The connectivity as a byte per possible synapse (a copy; null for a dense unmasked layer). */
  maskBytes(): Uint8Array | null {
    if (this.mask) return Uint8Array.from(this.mask);
    if (!this.synapseIndex) return null;
    const mask = new Uint8Array(this.possibleSynapses);
    for (const q of this.synapseIndex) mask[q] = 1;
    return mask;
  }

  /**
   * Stored values (weights, delays, their gradients, or any per-entry array) over every possible
   * synapse, index q: absent synapses of a compact layer get `absent`. A copy either way.
   */
  toDense(values: ArrayLike<number>, absent = 0): Float64Array {
    const index = this.synapseIndex;
    if (!index) return Float64Array.from(values as ArrayLike<number>);
    const out = new Float64Array(this.possibleSynapses).fill(absent);
    for (let e = 0; e < index.length; e++) out[index[e]!] = values[e]!;
    return out;
  }

  /**
   * Sets stored values from ones over every possible synapse (`into`: this layer's weights,
   * delays or gradients). A compact layer takes its entries' values; a nonzero weight of an
   * absent synapse is refused (those parameters could not come from this structure).
   */
  setFromDense(into: RealArray, dense: ArrayLike<number>, what: string, absentMustBeZero: boolean): void {
    if (dense.length !== this.possibleSynapses)
      throw new RangeError(`${what}: saved ${dense.length} values, the network has ${this.possibleSynapses}`);
    const index = this.synapseIndex;
    if (!index) {
      into.set(dense);
      return;
    }
    if (absentMustBeZero) {
      let nonzero = 0;
      for (let q = 0; q < dense.length; q++) if (dense[q] !== 0) nonzero++;
      for (let e = 0; e < index.length; e++) if (dense[index[e]!] !== 0) nonzero--;
      if (nonzero !== 0)
        throw new RangeError(`${what}: ${nonzero} saved values belong to synapses this layer leaves out`);
    }
    for (let e = 0; e < index.length; e++) into[e] = dense[index[e]!]!;
  }

  /**
   * Bytes this layer holds besides activations: parameters (weights, delays), their gradients,
   * and scratch (O(outputs * maxDelay) for the Gaussian path, per-synapse tap tables for the
   * one- and two-tap path). Every term is O(inputs * outputs), none O(inputs * outputs * Td);
   * a compact layer's parameters and gradients are O(active synapses).
   */
  memoryBytes(): { parameters: number; gradients: number; scratch: number } {
    const real = this.precision === 'f64' ? 8 : 4;
    const n = this.weights.length;
    const dense =
      8 * (this.denseTaps.length + this.denseNorm.length + this.denseGrad.length + this.meanTap.length) +
      8 * this.windows.taps.length +
      4 * (this.windows.lo.length + this.windows.hi.length);
    const t = this.tables;
    const tables = t
      ? t.tap.byteLength + t.val0.byteLength + t.val1.byteLength + t.floorTap.byteLength + t.frac.byteLength
      : 0;
    const structure = (this.mask?.byteLength ?? 0) + (this.synapseIndex?.byteLength ?? 0);
    const list = this.compactList;
    const listBytes = list ? list.start.byteLength + list.post.byteLength + list.index.byteLength : 0;
    return {
      parameters: 2 * n * real + structure,
      gradients: 2 * n * real,
      scratch: dense + tables + listBytes,
    };
  }

  zeroGrad(): void {
    this.gradWeights.fill(0);
    this.gradDelays.fill(0);
    this.dormantGradWeights?.fill(0);
  }

  /** Clamp delays to [0, maxDelay - 1] and hold masked weights at zero. */
  constrain(): void {
    this.constrainSlice(0, this.delays.length);
  }

  /** constrain() over stored entries [from, to) only (a thread's slice of a sharded step). */
  constrainSlice(from: number, to: number): void {
    const { min, max } = delayRange(this.kernel.maxDelay);
    const d = this.delays;
    for (let q = from; q < to; q++) {
      const v = d[q]!;
      if (v < min) d[q] = min;
      else if (v > max) d[q] = max;
    }
    const mask = this.mask;
    if (mask) for (let q = from; q < Math.min(to, mask.length); q++) if (mask[q] === 0) this.weights[q] = 0;
  }

  /** input: [batch][timeSteps][inputs] -> current: [batch][timeSteps][outputs]. */
  forward(input: ArrayLike<number>, batch: number, timeSteps: number): RealArray {
    this.batch = batch;
    this.timeSteps = timeSteps;
    const current = allocReal(this.precision, batch * timeSteps * this.outputs);
    this.windowedNeurons = 0;
    this.sparse = this.sparseState();
    if (this.sparse) {
      const events = eventsByNeuron(input, batch, timeSteps, this.inputs);
      this.events = events;
      this.rowEvents = null;
      const { list, taps } = this.sparse;
      const accelerator = this.accelerator();
      if (accelerator) accelerator.maskedForward({ list, taps, events, shape: this.passShape() }, current);
      else sparseForward(list, taps, events, this.passShape(), current);
      return current;
    }
    if (this.kernel.mode === 'gauss') {
      const events = eventsByNeuron(input, batch, timeSteps, this.inputs);
      this.events = events;
      this.rowEvents = null;
      const accelerator = this.accelerator();
      if (accelerator) {
        accelerator.forward(this.gaussPass(events), current);
        return current;
      }
      for (let i = 0; i < this.inputs; i++) {
        if (events.start[i] === events.start[i + 1]) continue;
        this.fillGaussTaps(i);
        if (this.windowed)
          scatterWindowed(this.windows, events, i, this.outputs, this.kernel.maxDelay, timeSteps, current);
        else this.scatterDense(i, current);
      }
    } else {
      this.rowEvents = eventsByRow(input, batch * timeSteps, this.inputs);
      this.events = null;
      const accelerator = this.accelerator();
      if (accelerator) accelerator.sparseForward(this.sparsePass(), current);
      else this.scatterSparseRows(current);
    }
    return current;
  }

  /**
   * Accumulates dL/dweights and dL/ddelays into the gradient buffers from dL/dcurrent, and
   * returns dL/dinput ([batch][timeSteps][inputs]) when asked for.
   */
  backward(gradCurrent: RealArray, needInputGrad: boolean): RealArray | null {
    if (!this.events && !this.rowEvents) throw new Error('DelayLayer.backward called before forward');
    const gradInput = needInputGrad
      ? allocReal(this.precision, this.batch * this.timeSteps * this.inputs)
      : null;
    const mode = this.kernel.mode;
    const wantDelay = this.computeDelayGrad && hasDelayGradient(mode);
    const accelerator = mode === 'gauss' ? this.accelerator() : null;
    if (this.sparse) {
      this.sparseBackward(this.sparse, gradCurrent, wantDelay, gradInput);
    } else if (accelerator) {
      accelerator.backward(this.gaussPass(this.events!), {
        gradCurrent,
        gradWeights: this.computeWeightGrad ? this.gradWeights : null,
        gradDelays: wantDelay ? this.gradDelays : null,
        gradInput,
      });
    } else if (mode === 'gauss') {
      const events = this.events!;
      for (let i = 0; i < this.inputs; i++) {
        const hasEvents = events.start[i] !== events.start[i + 1];
        if (!hasEvents && !gradInput) continue;
        this.fillGaussTaps(i);
        if (hasEvents && (this.computeWeightGrad || wantDelay))
          this.gaussParamGrad(i, gradCurrent, wantDelay);
        if (!gradInput) continue;
        if (this.windowed) {
          const { outputs, kernel, inputs, batch, timeSteps } = this;
          gatherWindowed(
            this.windows,
            i,
            outputs,
            kernel.maxDelay,
            inputs,
            batch,
            timeSteps,
            gradCurrent,
            gradInput,
          );
        } else this.gatherDense(i, gradCurrent, gradInput);
      }
    } else {
      const gaussDelayGrad = wantDelay && mode === 'hardware' && this.kernel.hardwareBackward === 'gauss';
      const sparseAccelerator = this.accelerator();
      if (sparseAccelerator) {
        sparseAccelerator.sparseBackward(this.sparsePass(), {
          gradCurrent,
          gradWeights: this.computeWeightGrad ? this.gradWeights : null,
          lerpWeights: mode === 'lerp',
          gradDelays: wantDelay && !gaussDelayGrad ? this.gradDelays : null,
          gradInput,
          // A backward always follows this layer's own forward (its events are that forward's).
          tablesFromForward: true,
        });
      } else if (this.computeWeightGrad || (wantDelay && !gaussDelayGrad)) {
        this.sparseParamGradRows(gradCurrent, wantDelay && !gaussDelayGrad);
      }
      if (gaussDelayGrad) {
        // Hardware mode with a Gaussian backward: the delay gradient of the smooth kernel.
        const events = eventsByNeuron(this.rowEventsDense(), this.batch, this.timeSteps, this.inputs);
        this.events = events;
        for (let i = 0; i < this.inputs; i++) {
          if (events.start[i] === events.start[i + 1]) continue;
          this.fillGaussNorm(i);
          this.accumulateTapGrad(i, gradCurrent);
          this.gaussReduce(i, false, true);
        }
      }
      if (gradInput && !sparseAccelerator) this.gatherSparseRows(gradCurrent, gradInput);
    }
    const mask = this.mask;
    if (mask) {
      for (let q = 0; q < mask.length; q++) {
        if (mask[q] === 0) {
          if (!this.keepDormantGradients) this.gradWeights[q] = 0;
          this.gradDelays[q] = 0;
        }
      }
    }
    return gradInput;
  }

  /** The last forward's input rebuilt densely from its row events (hardware-gauss backward). */
  private rowEventsDense(): Float64Array {
    const { start, neuron, value } = this.rowEvents!;
    const dense = new Float64Array(this.batch * this.timeSteps * this.inputs);
    for (let r = 0; r + 1 < start.length; r++) {
      for (let e = start[r]!; e < start[r + 1]!; e++) dense[r * this.inputs + neuron[e]!] = value[e]!;
    }
    return dense;
  }

  // ---- Sparse path (active synapses only) ------------------------------------------------------

  /** The active synapses and their taps when this forward takes the sparse path, else null. */
  private sparseState(): SparseState | null {
    const wantDelay = this.computeDelayGrad && hasDelayGradient(this.kernel.mode);
    if (this.synapseIndex) {
      if (this.structureChanges || !this.compactList)
        this.compactList = synapseListOf(this.synapseIndex, this.inputs, this.outputs, true);
      return { list: this.compactList, taps: this.tapsOf(this.compactList, wantDelay) };
    }
    const mask = this.mask;
    if (!mask || this.sparsePath === 'never') return null;
    // Rebuilt every forward (a byte scan of the mask): rewiring changes the mask between steps.
    const list = synapseList(mask, this.inputs, this.outputs, 1, this.weights);
    if (
      this.sparsePath === 'auto' &&
      (this.keepDormantGradients || list.count > SPARSE_PATH_FRACTION * mask.length)
    )
      return null;
    return { list, taps: this.tapsOf(list, wantDelay) };
  }

  private tapsOf(list: SynapseList, wantDelay: boolean): SlotTaps {
    const radius = GAUSS_RADIUS_SIGMAS[this.precision];
    return slotTaps(list, this.weights, this.delays, this.kernel, this.sigma, radius, wantDelay);
  }

  private sparseBackward(
    { list, taps }: SparseState,
    gradCurrent: RealArray,
    wantDelay: boolean,
    gradInput: RealArray | null,
  ): void {
    const shape = this.passShape();
    const events = this.events!;
    const gradWeights = this.computeWeightGrad ? this.gradWeights : null;
    const gradDelays = wantDelay ? this.gradDelays : null;
    const accelerator = this.accelerator();
    if (accelerator) {
      accelerator.maskedBackward(
        { list, taps, events, shape },
        { gradCurrent, gradWeights, gradDelays, gradInput },
      );
    } else {
      if (gradWeights || gradDelays)
        sparseParameterGradients(list, taps, events, shape, gradCurrent, gradWeights, gradDelays);
      if (gradInput) sparseInputGradient(list, taps, shape, gradCurrent, gradInput);
    }
    if (this.dormantGradWeights && gradWeights) this.compactDormantGradients(events, shape, gradCurrent);
    if (this.keepDormantGradients && gradWeights && this.mask) {
      // RigL ranks dormant synapses by dL/dw at their stored delays: the one part of a rewired
      // layer's step whose work grows with all possible synapses, not the active ones.
      const dormant = synapseList(this.mask, this.inputs, this.outputs, 0);
      sparseParameterGradients(
        dormant,
        this.tapsOf(dormant, false),
        events,
        shape,
        gradCurrent,
        gradWeights,
        null,
      );
    }
  }

  /**
   * dL/dw of a compact layer's dormant synapses (every possible one it does not hold) at their
   * birth delays, into dormantGradWeights: RigL's ranking. Work and scratch grow with all
   * possible synapses, as RigL's dense gradient does.
   */
  private compactDormantGradients(events: EventsByNeuron, shape: PassShape, gradCurrent: RealArray): void {
    const index = this.synapseIndex!;
    const delayOf = this.dormantDelay;
    if (!delayOf) throw new Error('a compact RigL layer needs its dormant synapses’ delays');
    const possible = this.possibleSynapses;
    const dormant = new Int32Array(possible - index.length);
    for (let q = 0, e = 0, d = 0; q < possible; q++) {
      if (e < index.length && index[e] === q) e++;
      else dormant[d++] = q;
    }
    const list = synapseListOf(dormant, this.inputs, this.outputs, true);
    const delays = Float64Array.from(dormant, delayOf);
    const radius = GAUSS_RADIUS_SIGMAS[this.precision];
    const taps = slotTaps(
      list,
      new Float64Array(dormant.length),
      delays,
      this.kernel,
      this.sigma,
      radius,
      false,
    );
    const grads = new Float64Array(dormant.length);
    sparseParameterGradients(list, taps, events, shape, gradCurrent, grads, null);
    const out = this.dormantGradWeights!;
    dormant.forEach((q, d) => (out[q] = out[q]! + grads[d]!));
  }

  private passShape(): PassShape {
    return { inputs: this.inputs, outputs: this.outputs, batch: this.batch, timeSteps: this.timeSteps };
  }

  // ---- Gaussian (dense-tap) path ------------------------------------------------------------

  /**
   * The thread's float32 accelerator (WebAssembly) for this layer's passes in every kernel mode,
   * or null for the TypeScript loops: always null in float64, the precision of the gradient checks.
   */
  private accelerator(): LayerAccelerator | null {
    return this.precision === 'f32' ? layerAccelerator() : null;
  }

  private layerPass(): LayerPass {
    return {
      batch: this.batch,
      timeSteps: this.timeSteps,
      taps: this.kernel.maxDelay,
      inputs: this.inputs,
      outputs: this.outputs,
      weights: this.weights,
      delays: this.delays,
    };
  }

  private gaussPass(events: GaussPass['events']): GaussPass {
    return {
      ...this.layerPass(),
      events,
      sigma: this.sigma,
      radiusSigmas: GAUSS_RADIUS_SIGMAS.f32,
    };
  }

  /**
   * Normalised Gaussians of neuron i's synapses into denseNorm[k * outputs + j], means into
   * meanTap, windows into `windows`; `windowed` when the windows cover at most
   * WINDOWED_LOOPS_MAX_COVERAGE of the dense loops' taps.
   */
  private fillGaussNorm(i: number): void {
    const { outputs, delays, sigma, denseNorm, meanTap, windows } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    const radius = GAUSS_RADIUS_SIGMAS[this.precision];
    let covered = 0;
    for (let j = 0; j < outputs; j++) {
      const d = delays[row + j]!;
      const window = gaussWindow(d, sigma, td, radius);
      meanTap[j] = gaussianTaps(d, sigma, td, denseNorm, j, outputs, window);
      windows.lo[j] = window.lo;
      windows.hi[j] = window.hi;
      covered += window.hi - window.lo + 1;
    }
    this.windowed = covered <= WINDOWED_LOOPS_MAX_COVERAGE * outputs * td;
    if (this.windowed) this.windowedNeurons++;
  }

  /**
   * Tap values w * n(k) of neuron i's synapses: by synapse into windows.taps when `windowed`,
   * else into denseTaps[k * outputs + j].
   */
  private fillGaussTaps(i: number): void {
    this.fillGaussNorm(i);
    const { outputs, weights, denseNorm, denseTaps } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    if (this.windowed) {
      const { lo, hi, taps } = this.windows;
      for (let j = 0; j < outputs; j++) {
        const w = weights[row + j]!;
        for (let k = lo[j]!; k <= hi[j]!; k++) taps[j * td + k] = w * denseNorm[k * outputs + j]!;
      }
      return;
    }
    for (let k = 0; k < td; k++) {
      const o = k * outputs;
      for (let j = 0; j < outputs; j++) denseTaps[o + j] = weights[row + j]! * denseNorm[o + j]!;
    }
  }

  private scatterDense(i: number, current: RealArray): void {
    const { outputs, timeSteps, denseTaps } = this;
    const { start, batchTime, value } = this.events!;
    const td = this.kernel.maxDelay;
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const t0 = bt % timeSteps;
      const kMax = Math.min(td, timeSteps - t0);
      for (let k = 0; k < kMax; k++) {
        const o = (bt + k) * outputs;
        const to = k * outputs;
        for (let j = 0; j < outputs; j++) current[o + j]! += val * denseTaps[to + j]!;
      }
    }
  }

  /** denseGrad[k * outputs + j] = dL/dK_ij[k], summed over neuron i's events. */
  private accumulateTapGrad(i: number, gradCurrent: RealArray): void {
    if (this.windowed) {
      tapGradWindowed(
        this.windows,
        this.events!,
        i,
        this.outputs,
        this.timeSteps,
        gradCurrent,
        this.denseGrad,
      );
      return;
    }
    const { outputs, timeSteps, denseGrad } = this;
    const { start, batchTime, value } = this.events!;
    const td = this.kernel.maxDelay;
    denseGrad.fill(0);
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const kMax = Math.min(td, timeSteps - (bt % timeSteps));
      for (let k = 0; k < kMax; k++) {
        const o = (bt + k) * outputs;
        const to = k * outputs;
        for (let j = 0; j < outputs; j++) denseGrad[to + j]! += val * gradCurrent[o + j]!;
      }
    }
  }

  private gaussParamGrad(i: number, gradCurrent: RealArray, wantDelay: boolean): void {
    this.accumulateTapGrad(i, gradCurrent);
    this.gaussReduce(i, this.computeWeightGrad, wantDelay);
  }

  /**
   * From dL/dK[k] (denseGrad) and the normalised Gaussian n(k) (denseNorm):
   *   dL/dw = sum_k G[k] n(k);   dL/dd = (w / sigma^2) sum_k G[k] n(k) (k - mean).
   */
  private gaussReduce(i: number, wantWeight: boolean, wantDelay: boolean): void {
    const { outputs, weights, denseNorm, denseGrad, meanTap, gradWeights, gradDelays } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    const invVar = 1 / (this.sigma * this.sigma);
    for (let j = 0; j < outputs; j++) {
      let gw = 0;
      let moment = 0;
      for (let k = 0; k < td; k++) {
        const gn = denseGrad[k * outputs + j]! * denseNorm[k * outputs + j]!;
        gw += gn;
        moment += gn * k;
      }
      if (wantWeight) gradWeights[row + j]! += gw;
      if (wantDelay) gradDelays[row + j]! += weights[row + j]! * invVar * (moment - meanTap[j]! * gw);
    }
  }

  /**
   * dL/dinput[b, t, i] = sum_k sum_j K_ij[k] dL/dcurrent[b, t + k, j], for every (b, t): a dot
   * product of the taps with a window of dL/dcurrent. Eight consecutive steps are computed
   * together so each tap is loaded once for eight multiply-adds (about 1.7x faster in V8); the
   * last steps of a sample, whose windows are cut short by its end, go one at a time.
   */
  private gatherDense(i: number, gradCurrent: RealArray, gradInput: RealArray): void {
    const { outputs: n, timeSteps, inputs, denseTaps } = this;
    const td = this.kernel.maxDelay;
    const rows = this.batch * timeSteps;
    const full = td * n;
    for (let bt = 0; bt < rows;) {
      const t0 = bt % timeSteps;
      const o = bt * n;
      if (t0 + 7 + td <= timeSteps) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let s4 = 0;
        let s5 = 0;
        let s6 = 0;
        let s7 = 0;
        for (let q = 0; q < full; q++) {
          const w = denseTaps[q]!;
          const at = o + q;
          s0 += w * gradCurrent[at]!;
          s1 += w * gradCurrent[at + n]!;
          s2 += w * gradCurrent[at + 2 * n]!;
          s3 += w * gradCurrent[at + 3 * n]!;
          s4 += w * gradCurrent[at + 4 * n]!;
          s5 += w * gradCurrent[at + 5 * n]!;
          s6 += w * gradCurrent[at + 6 * n]!;
          s7 += w * gradCurrent[at + 7 * n]!;
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
        const len = Math.min(td, timeSteps - t0) * n;
        let s = 0;
        for (let q = 0; q < len; q++) s += denseTaps[q]! * gradCurrent[o + q]!;
        gradInput[bt * inputs + i] = s;
        bt += 1;
      }
    }
  }

  // ---- One- and two-tap (lerp, round, hardware) path ----------------------------------------

  private sparsePass(): SparsePass {
    return {
      ...this.layerPass(),
      events: this.rowEvents!,
      twoTaps: this.kernel.mode === 'lerp',
      nearest: this.kernel.rounding !== 'floor',
    };
  }
  //
  // These kernels touch at most two taps per synapse, so per-synapse tap tables (O(inputs *
  // outputs)) are cheap to build once per call, and the loops walk one sample at a time: the
  // writes of a spike's fan-out then stay inside that sample's [timeSteps][outputs] block.

  /**
   * Forward taps of every synapse: value val0 at tap and val1 at tap + 1 (val1 = 0 for one-tap
   * kernels and where tap + 1 falls outside the kernel); the floor tap and fractional part of
   * the delay, which the lerp delay derivative needs.
   */
  private fillSparseTables(): SparseTables {
    const n = this.inputs * this.outputs;
    let t = this.tables;
    if (!t || t.tap.length !== n) {
      t = {
        tap: new Int32Array(n),
        val0: allocReal(this.precision, n),
        val1: allocReal(this.precision, n),
        floorTap: new Int32Array(n),
        frac: allocReal(this.precision, n),
      };
      this.tables = t;
    }
    const { tap, val0, val1, floorTap, frac } = t;
    const { weights, delays } = this;
    const { mode, maxDelay: td, rounding } = this.kernel;
    const lerp = mode === 'lerp';
    for (let q = 0; q < n; q++) {
      const w = weights[q]!;
      const d = delays[q]!;
      let m = Math.floor(d);
      if (m > td - 1) m = td - 1;
      if (m < 0) m = 0;
      const f = d - m;
      floorTap[q] = m;
      frac[q] = f;
      if (lerp) {
        tap[q] = m;
        val0[q] = w * (1 - f);
        val1[q] = m + 1 < td ? w * f : 0;
      } else {
        tap[q] = quantiseDelay(d, rounding, td);
        val0[q] = w;
        val1[q] = 0;
      }
    }
    return t;
  }

  private scatterSparseRows(current: RealArray): void {
    const { outputs, timeSteps } = this;
    const { tap, val0, val1 } = this.fillSparseTables();
    const { start, neuron, value } = this.rowEvents!;
    const twoTaps = this.kernel.mode === 'lerp';
    const rows = this.batch * timeSteps;
    for (let r = 0; r < rows; r++) {
      const remaining = timeSteps - (r % timeSteps);
      const o = r * outputs;
      for (let e = start[r]!; e < start[r + 1]!; e++) {
        const val = value[e]!;
        const row = neuron[e]! * outputs;
        for (let j = 0; j < outputs; j++) {
          const n = tap[row + j]!;
          if (n < remaining) {
            current[o + n * outputs + j]! += val * val0[row + j]!;
            if (twoTaps && n + 1 < remaining) current[o + (n + 1) * outputs + j]! += val * val1[row + j]!;
          }
        }
      }
    }
  }

  /**
   * Weight gradient through the forward taps and, for lerp and the hardware mode with a lerp
   * backward, the delay gradient dL/dd = w (G[floor d + 1] - G[floor d]).
   */
  private sparseParamGradRows(gradCurrent: RealArray, lerpDelayGrad: boolean): void {
    const { outputs, timeSteps, weights, gradWeights, gradDelays } = this;
    const { tap, floorTap, frac } = this.tables!;
    const { start, neuron, value } = this.rowEvents!;
    const td = this.kernel.maxDelay;
    const lerp = this.kernel.mode === 'lerp';
    const wantWeight = this.computeWeightGrad;
    const rows = this.batch * timeSteps;
    for (let r = 0; r < rows; r++) {
      const remaining = timeSteps - (r % timeSteps);
      const o = r * outputs;
      for (let e = start[r]!; e < start[r + 1]!; e++) {
        const val = value[e]!;
        const row = neuron[e]! * outputs;
        for (let j = 0; j < outputs; j++) {
          const q = row + j;
          const m = floorTap[q]!;
          const g0 = m < remaining ? gradCurrent[o + m * outputs + j]! : 0;
          const g1 = m + 1 < remaining && m + 1 < td ? gradCurrent[o + (m + 1) * outputs + j]! : 0;
          if (wantWeight) {
            if (lerp) {
              const f = frac[q]!;
              gradWeights[q]! += val * (g0 * (1 - f) + g1 * f);
            } else {
              const n = tap[q]!;
              if (n < remaining) gradWeights[q]! += val * gradCurrent[o + n * outputs + j]!;
            }
          }
          if (lerpDelayGrad) gradDelays[q]! += val * weights[q]! * (g1 - g0);
        }
      }
    }
  }

  private gatherSparseRows(gradCurrent: RealArray, gradInput: RealArray): void {
    const { outputs, timeSteps, inputs } = this;
    const { tap, val0, val1 } = this.tables!;
    const twoTaps = this.kernel.mode === 'lerp';
    const rows = this.batch * timeSteps;
    for (let r = 0; r < rows; r++) {
      const remaining = timeSteps - (r % timeSteps);
      const o = r * outputs;
      for (let i = 0; i < inputs; i++) {
        const row = i * outputs;
        let s = 0;
        for (let j = 0; j < outputs; j++) {
          const n = tap[row + j]!;
          if (n < remaining) {
            s += val0[row + j]! * gradCurrent[o + n * outputs + j]!;
            if (twoTaps && n + 1 < remaining) s += val1[row + j]! * gradCurrent[o + (n + 1) * outputs + j]!;
          }
        }
        gradInput[r * inputs + i] = s;
      }
    }
  }
}

export interface LayerStorage {
  weights: RealArray;
  delays: RealArray;
  gradWeights: RealArray;
  gradDelays: RealArray;
  /** A compact RigL layer's dormant gradients (every possible synapse; see dormantGradWeights). */
  dormantGradWeights?: RealArray;
}

interface SparseTables {
  tap: Int32Array;
  val0: RealArray;
  val1: RealArray;
  floorTap: Int32Array;
  frac: RealArray;
}

/** Throws unless `index` lists synapse indices in [0, possible), strictly ascending. */
function checkSynapseIndex(index: Int32Array, possible: number): void {
  for (let e = 0; e < index.length; e++) {
    const q = index[e]!;
    if (q < 0 || q >= possible || (e > 0 && q <= index[e - 1]!))
      throw new RangeError(
        `compact synapse list: entry ${e} is synapse ${q}; indices must ascend within 0..${possible - 1}`,
      );
  }
}
