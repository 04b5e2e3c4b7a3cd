import { Rng, type RngState } from '../rng.ts';

/**
 * Structure learning with a fixed number of active synapses per layer ("delays and structure
 * pruning"; DEEP R, Bellec et al. 2018; RigL, Evci et al. 2020). Every potential synapse has a
 * sign fixed at creation and a magnitude theta >= 0, its weight being sign x theta; the layer's
 * connectivity mask says which synapses are active. After each optimiser step:
 *
 * 1. an active synapse's theta gets the L1 shrink and DEEP R's noise,
 *      theta <- theta - lr * l1 + sqrt(2 lr T) N(0, 1),
 *    and a synapse whose theta is no longer positive (its weight crossed zero, or the shrink took
 *    it there) goes dormant: mask 0, weight 0;
 * 2. as many dormant synapses as went dormant become active again, so the count stays fixed:
 *    chosen at random (DEEP R) or, RigL-style, those with the largest |dL/dw| (the paper's
 *    variant); a regrown synapse starts at weight 0 with a delay drawn from the layer's delay
 *    initialisation, and its optimiser moments are cleared.
 *
 * With Dale's law every synapse from one presynaptic neuron has that neuron's sign.
 */
export interface RewiringConfig {
  /** How dormant synapses are chosen to regrow. */
  regrowth: 'random' | 'gradient';
  /** One sign per presynaptic neuron for all its outgoing synapses. */
  dale: boolean;
  /** L1 penalty on theta (per unit of learning rate). */
  l1: number;
  /** DEEP R's temperature T: noise of std sqrt(2 lr T) on theta each step (0: none). */
  temperature: number;
}

/** What one rewiring step did (the playground shows these live). */
export interface RewiringEvents {
  /** Synapses that went dormant. */
  pruned: number;
  /** Synapses regrown (the same number: the count is fixed). */
  regrown: number;
  /** Active synapses after the step. */
  active: number;
}

/** A layer's parameters as the rewiring step reads and writes them ([inputs][outputs]). */
export interface RewiredLayer {
  inputs: number;
  outputs: number;
  weights: { [q: number]: number; length: number };
  delays: { [q: number]: number; length: number };
  /** dL/dw of every synapse, dormant ones included (RigL reads those). */
  gradWeights: ArrayLike<number>;
  mask: Uint8Array;
}

/** The rewiring state of one layer: the fixed signs and the generator of its noise and draws. */
export class LayerRewiring {
  /** +1 or -1 per synapse, fixed at creation. */
  readonly signs: Int8Array;
  private rng: Rng;

  constructor(
    readonly config: RewiringConfig,
    readonly inputs: number,
    readonly outputs: number,
    signs: Int8Array,
    rngState: RngState,
  ) {
    if (signs.length !== inputs * outputs)
      throw new RangeError(`rewiring: ${signs.length} signs for ${inputs} x ${outputs} synapses`);
    this.signs = signs;
    this.rng = Rng.fromState(rngState);
  }

  /**
   * Signs and the starting weights' signs made to agree: active synapses keep the sign of their
   * initial weight (or, under Dale's law, take their neuron's sign with their magnitude), dormant
   * ones get a random sign (their neuron's under Dale's law).
   */
  static create(
    config: RewiringConfig,
    layer: Pick<RewiredLayer, 'inputs' | 'outputs' | 'weights' | 'mask'>,
    rng: Rng,
  ): LayerRewiring {
    const { inputs, outputs, weights, mask } = layer;
    const neuronSign = Int8Array.from({ length: inputs }, () => (rng.uniform() < 0.5 ? -1 : 1));
    const signs = new Int8Array(inputs * outputs);
    for (let i = 0; i < inputs; i++) {
      for (let j = 0; j < outputs; j++) {
        const q = i * outputs + j;
        const w = weights[q]!;
        const own = w > 0 ? 1 : w < 0 ? -1 : rng.uniform() < 0.5 ? -1 : 1;
        signs[q] = config.dale ? neuronSign[i]! : mask[q] ? own : rng.uniform() < 0.5 ? -1 : 1;
        if (config.dale && mask[q]) weights[q] = neuronSign[i]! * Math.abs(w);
      }
    }
    return new LayerRewiring(config, inputs, outputs, signs, rng.fork().state());
  }

  /** The generator's state (checkpoints store it, so a resumed run rewires as it would have). */
  rngState(): RngState {
    return this.rng.state();
  }

  /**
   * One rewiring step after the optimiser's (`lr`: the weight learning rate of that step);
   * `newDelay(rng, q)` gives regrown synapse q's delay (time steps); `onRegrow(q)` clears synapse q's
   * optimiser moments.
   */
  step(
    layer: RewiredLayer,
    lr: number,
    newDelay: (rng: Rng, q: number) => number,
    onRegrow: (q: number) => void,
  ): RewiringEvents {
    const { weights, mask } = layer;
    const { l1, temperature, regrowth } = this.config;
    const noise = temperature > 0 ? Math.sqrt(2 * lr * temperature) : 0;
    let pruned = 0;
    let active = 0;
    for (let q = 0; q < mask.length; q++) {
      if (!mask[q]) continue;
      const sign = this.signs[q]!;
      let theta = sign * weights[q]! - lr * l1;
      if (noise > 0) theta += noise * this.rng.normal(0, 1);
      if (theta > 0) {
        weights[q] = sign * theta;
        active++;
      } else {
        weights[q] = 0;
        mask[q] = 0;
        pruned++;
      }
    }
    const chosen =
      regrowth === 'gradient' ? largestGradients(layer, pruned) : randomDormant(mask, pruned, this.rng);
    for (const q of chosen) {
      mask[q] = 1;
      weights[q] = 0;
      layer.delays[q] = newDelay(this.rng, q);
      onRegrow(q);
    }
    return { pruned, regrown: chosen.length, active: active + chosen.length };
  }
}

/** `count` dormant synapses chosen uniformly at random (all of them when fewer are dormant). */
function randomDormant(mask: Uint8Array, count: number, rng: Rng): number[] {
  if (count === 0) return [];
  const dormant: number[] = [];
  for (let q = 0; q < mask.length; q++) if (!mask[q]) dormant.push(q);
  // A partial Fisher-Yates: the first `count` places of a random permutation.
  const take = Math.min(count, dormant.length);
  for (let k = 0; k < take; k++) {
    const m = k + rng.int(dormant.length - k);
    [dormant[k], dormant[m]] = [dormant[m]!, dormant[k]!];
  }
  return dormant.slice(0, take);
}

/** The `count` dormant synapses with the largest |dL/dw| (ties: the lower index first). */
function largestGradients(layer: RewiredLayer, count: number): number[] {
  if (count === 0) return [];
  const { mask, gradWeights } = layer;
  const dormant: number[] = [];
  for (let q = 0; q < mask.length; q++) if (!mask[q]) dormant.push(q);
  dormant.sort((a, b) => Math.abs(gradWeights[b]!) - Math.abs(gradWeights[a]!) || a - b);
  return dormant.slice(0, count);
}

/** Active synapses of a mask. */
export function activeCount(mask: Uint8Array): number {
  let n = 0;
  for (let q = 0; q < mask.length; q++) n += mask[q]!;
  return n;
}
