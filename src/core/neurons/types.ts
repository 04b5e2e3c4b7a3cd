import type { RealArray } from '../tensor.ts';

/**
 * The contract between a layer of neurons and the training code, shaped for BPTT now and for
 * event-based exact gradients (EventProp) later: a model keeps whatever state its backward pass
 * needs from `forward`, and `backward` maps gradients with respect to its outputs to the gradient
 * with respect to its input current. A model with its own exact adjoint (such as a LIF neuron
 * with an exponential synapse under EventProp) implements the same two calls.
 *
 * Layouts are `[batch][time][neuron]`.
 */
export interface NeuronRecord {
  /** Membrane potential compared with the threshold at each step (before any reset). */
  membrane: RealArray;
  /** Output spikes (0/1), or the smooth spike value `f(u - threshold)` in smooth mode. */
  spikes: RealArray;
}

export interface NeuronLayer {
  readonly size: number;
  readonly spiking: boolean;
  readonly threshold: number;
  /** Runs the neurons over all steps for the given input current. */
  forward(current: RealArray, batch: number, timeSteps: number): NeuronRecord;
  /**
   * Returns dL/dcurrent given dL/dspikes and a direct dL/dmembrane (either may be null).
   * Uses the state of the last `forward`.
   */
  backward(gradSpikes: RealArray | null, gradMembrane: RealArray | null): RealArray;
}

/** How the forward pass turns a membrane into a spike. */
export type SpikeMode =
  /** Heaviside step forward, surrogate derivative backward: training. */
  | 'heaviside'
  /** The surrogate's smooth primitive forward, its exact derivative backward: gradient checks. */
  | 'smooth';
