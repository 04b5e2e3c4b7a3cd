import type { EventsByNeuron, RealArray } from '../tensor.ts';

/** One float32 Gaussian layer's pass as the accelerator sees it. */
export interface GaussPass {
  /** The layer's input events, by presynaptic neuron. */
  events: EventsByNeuron;
  batch: number;
  timeSteps: number;
  /** Td: taps per synapse (time steps). */
  taps: number;
  inputs: number;
  outputs: number;
  /** [inputs][outputs]; masked synapses hold weight 0. */
  weights: RealArray;
  delays: RealArray;
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

/**
 * The float32 Gaussian (DCLS) layer passes done elsewhere: WebAssembly with SIMD
 * (src/wasm/gaussKernels.ts). The TypeScript loops of delayLayer.ts are the reference, with the
 * same tap window and the same formulas; tests compare the two to float32 rounding.
 */
export interface GaussAccelerator {
  /** For reports, e.g. 'wasm-simd'. */
  readonly name: string;
  /** current[b, t, j] = sum_i sum_k K_ij[k] input[b, t - k, i], into `current` ([batch][timeSteps][outputs]). */
  forward(pass: GaussPass, current: RealArray): void;
  /** The weight, delay and input gradients of the pass from dL/dcurrent. */
  backward(pass: GaussPass, grads: GaussBackward): void;
}

let installed: GaussAccelerator | null = null;

/**
 * Makes float32 Gaussian layers in this thread use `accelerator` (null: the TypeScript loops).
 * Each entry point installs it for its thread (the CPU engines, their worker threads, the
 * browser Worker).
 */
export function installGaussAccelerator(accelerator: GaussAccelerator | null): void {
  installed = accelerator;
}

/** The accelerator float32 Gaussian layers use in this thread, or null. */
export function gaussAccelerator(): GaussAccelerator | null {
  return installed;
}
