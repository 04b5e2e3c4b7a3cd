import type { EventsByNeuron, EventsByRow, RealArray } from '../tensor.ts';
import type { PassShape, SlotTaps, SynapseList } from './sparseSynapses.ts';

/** What every pass of a float32 layer gives the accelerator. */
export interface LayerPass {
  batch: number;
  timeSteps: number;
  /** Td: taps per synapse (time steps). */
  taps: number;
  inputs: number;
  outputs: number;
  /** [inputs][outputs]; masked synapses hold weight 0. */
  weights: RealArray;
  delays: RealArray;
}

/** One float32 Gaussian layer's pass as the accelerator sees it. */
export interface GaussPass extends LayerPass {
  /** The layer's input events, by presynaptic neuron. */
  events: EventsByNeuron;
  /** The kernel's standard deviation (time steps). */
  sigma: number;
  /** The tap window's reach in sigmas (GAUSS_RADIUS_SIGMAS.f32). */
  radiusSigmas: number;
}

/** What a backward pass computes: gradients are added to (not written over). */
export interface GaussBackward {
  /** dL/dcurrent, [batch][timeSteps][outputs]. */
  gradCurrent: RealArray;
  gradWeights: RealArray | null;
  gradDelays: RealArray | null;
  /** Written (not added to): dL/dinput, [batch][timeSteps][inputs]. */
  gradInput: RealArray | null;
}

/** One float32 one- or two-tap layer's pass as the accelerator sees it. */
export interface SparsePass extends LayerPass {
  /** The layer's input events, by row (b * timeSteps + t). */
  events: EventsByRow;
  /** Lerp: each synapse has taps at floor d and floor d + 1; else one tap at the quantised delay. */
  twoTaps: boolean;
  /** How round and the hardware forward quantise a delay: to the nearest tap, else its floor. */
  nearest: boolean;
}

/** What a one- or two-tap backward pass computes: gradients are added to, dL/dinput written. */
export interface SparseBackward {
  gradCurrent: RealArray;
  /** dL/dw through the lerp pair (lerpWeights) or through the single forward tap. */
  gradWeights: RealArray | null;
  lerpWeights: boolean;
  /** The lerp delay derivative dL/dd = w (G[floor d + 1] - G[floor d]). */
  gradDelays: RealArray | null;
  gradInput: RealArray | null;
  /**
   * This backward follows the layer's forward with the same parameters, so the forward's
   * per-synapse tables still hold (the accelerator may keep them instead of recomputing).
   */
  tablesFromForward: boolean;
}

/** A float32 masked layer's pass over its active synapses only (sparseSynapses.ts's layouts). */
export interface MaskedPass {
  list: SynapseList;
  taps: SlotTaps;
  /** The layer's input events, by presynaptic neuron. */
  events: EventsByNeuron;
  shape: PassShape;
}

/** What a masked backward computes: parameter gradients added to (null: not wanted), dL/dinput written. */
export interface MaskedBackward {
  gradCurrent: RealArray;
  gradWeights: RealArray | null;
  gradDelays: RealArray | null;
  gradInput: RealArray | null;
}

/**
 * The float32 layer passes done elsewhere: WebAssembly, with SIMD for the Gaussian (DCLS)
 * kernel (src/wasm/layerKernels.ts). The TypeScript loops of delayLayer.ts are the reference,
 * with the same tap window and the same formulas; tests compare the two to float32 rounding.
 */
export interface LayerAccelerator {
  /** For reports, e.g. 'wasm-simd'. */
  readonly name: string;
  /** current[b, t, j] = sum_i sum_k K_ij[k] input[b, t - k, i], into `current` ([batch][timeSteps][outputs]). */
  forward(pass: GaussPass, current: RealArray): void;
  /** The weight, delay and input gradients of the pass from dL/dcurrent. */
  backward(pass: GaussPass, grads: GaussBackward): void;
  /** The one- and two-tap forward: current[b, t + tap, j] += value * val0 (and val1 at tap + 1). */
  sparseForward(pass: SparsePass, current: RealArray): void;
  /** The one- and two-tap gradients. */
  sparseBackward(pass: SparsePass, grads: SparseBackward): void;
  /** A masked layer's forward over its active synapses: into `current` (zeros on entry). */
  maskedForward(pass: MaskedPass, current: RealArray): void;
  /** A masked layer's gradients over its active synapses (sparseParameterGradients, sparseInputGradient). */
  maskedBackward(pass: MaskedPass, grads: MaskedBackward): void;
}

let installed: LayerAccelerator | null = null;

/**
 * Makes float32 Gaussian layers in this thread use `accelerator` (null: the TypeScript loops).
 * Each entry point installs it for its thread (the CPU engines, their worker threads, the
 * browser Worker).
 */
export function installLayerAccelerator(accelerator: LayerAccelerator | null): void {
  installed = accelerator;
}

/** The accelerator float32 Gaussian layers use in this thread, or null. */
export function layerAccelerator(): LayerAccelerator | null {
  return installed;
}
