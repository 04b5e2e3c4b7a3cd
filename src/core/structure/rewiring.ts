import type { DelayInit } from '../experiment.ts';
import { hashUniform, Rng, type RngState } from '../rng.ts';

/**
 * Structure learning with a fixed number of active synapses per layer ("delays and structure
 * pruning"; DEEP R, Bellec et al. 2018; RigL, Evci et al. 2020). Every potential synapse has a
 * sign fixed at creation and a magnitude theta >= 0, its weight being sign x theta; the layer's
 * connectivity says which synapses are active. After each optimiser step:
 *
 * 1. an active synapse's theta gets the L1 shrink and DEEP R's noise,
 *      theta <- theta - lr * l1 + sqrt(2 lr T) N(0, 1),
 *    and a synapse whose theta is no longer positive (its weight crossed zero, or the shrink took
 *    it there) goes dormant: weight 0, its optimiser moments cleared, its delay back at its
 *    birth delay;
 * 2. as many dormant synapses as went dormant become active again, so the count stays fixed:
 *    chosen at random (DEEP R) or, RigL-style, those with the largest |dL/dw| (the paper's
 *    variant, dL/dw taken at the birth delay); a regrown synapse starts at weight 0 and its birth
 *    delay, with cleared moments.
 *
 * A synapse's sign and birth delay are functions of a per-layer seed and its index (hashUniform),
 * fixed at creation like DEEP R's signs, but never stored: a layer that keeps only its active
 * synapses (compact storage) needs nothing per dormant synapse. The birth delay is a draw from
 * the layer's delay initialisation. With Dale's law every synapse from one presynaptic neuron has
 * that neuron's sign.
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

/** A dense-stored layer's parameters as the rewiring step reads and writes them ([inputs][outputs]). */
export interface RewiredLayer {
  inputs: number;
  outputs: number;
  weights: { [q: number]: number; length: number };
  delays: { [q: number]: number; length: number };
  /** dL/dw of every synapse, dormant ones included (RigL reads those). */
  gradWeights: ArrayLike<number>;
  mask: Uint8Array;
}

/** A compact layer's entries (entry e is synapse synapses[e], ascending), as the step rewrites them. */
export interface CompactRewiredLayer {
  inputs: number;
  outputs: number;
  synapses: Int32Array;
  weights: { [e: number]: number; length: number };
  delays: { [e: number]: number; length: number };
  /** dL/dw of every possible synapse (index q; RigL ranks the dormant ones), or null (random regrowth). */
  dormantGradients: ArrayLike<number> | null;
}

/** Hash streams of a layer's seed. */
const NEURON_SIGN = 1;
const SYNAPSE_SIGN = 2;
const BIRTH_DELAY = 3;

/** A delay (time steps) from a delay initialisation, given synapse q and a uniform u in [0, 1). */
export function delayFromUniform(init: DelayInit, q: number, u: number): number {
  switch (init.kind) {
    case 'uniform':
      return init.low + (init.high - init.low) * u;
    case 'constant':
      return init.value;
    case 'values':
      return init.values[q]!;
  }
}

/** Synapse q's birth delay (time steps) in a layer of rewiring seed `seed`. */
export function birthDelay(init: DelayInit, seed: number, q: number): number {
  return delayFromUniform(init, q, hashUniform(seed, BIRTH_DELAY, q));
}

/** The rewiring state of one layer: the seed of its signs and birth delays, and its generator. */
export class LayerRewiring {
  private rng: Rng;

  constructor(
    readonly config: RewiringConfig,
    readonly inputs: number,
    readonly outputs: number,
    /** Seeds the synapses' signs and birth delays (unsigned 32-bit). */
    readonly seed: number,
    readonly delayInit: DelayInit,
    rngState: RngState,
    /**
     * Signs stored per synapse (+1 / -1), from a checkpoint of format 6 or older, whose signs
     * were drawn, not hashed; null for every run since.
     */
    readonly storedSigns: Int8Array | null = null,
  ) {
    if (storedSigns && storedSigns.length !== inputs * outputs)
      throw new RangeError(`rewiring: ${storedSigns.length} signs for ${inputs} x ${outputs} synapses`);
    this.rng = Rng.fromState(rngState);
  }

  /**
   * Draws the layer's seed and generator from `rng`, gives its starting active synapses their
   * signs (their magnitudes kept) and, in dense storage, its dormant synapses their birth delays.
   */
  static create(
    config: RewiringConfig,
    layer:
      | Pick<RewiredLayer, 'inputs' | 'outputs' | 'weights' | 'delays' | 'mask'>
      | Pick<CompactRewiredLayer, 'inputs' | 'outputs' | 'weights' | 'synapses'>,
    delayInit: DelayInit,
    rng: Rng,
  ): LayerRewiring {
    const seed = rng.nextUint32();
    const rewiring = new LayerRewiring(
      config,
      layer.inputs,
      layer.outputs,
      seed,
      delayInit,
      rng.fork().state(),
    );
    const { weights } = layer;
    if ('synapses' in layer) {
      layer.synapses.forEach((q, e) => (weights[e] = rewiring.signOf(q) * Math.abs(weights[e]!)));
    } else {
      for (let q = 0; q < layer.mask.length; q++) {
        if (layer.mask[q]) weights[q] = rewiring.signOf(q) * Math.abs(weights[q]!);
        else layer.delays[q] = rewiring.birthDelay(q);
      }
    }
    return rewiring;
  }

  /** Synapse q's sign: +1 or -1, fixed at creation (its presynaptic neuron's under Dale's law). */
  signOf(q: number): number {
    if (this.storedSigns) return this.storedSigns[q]!;
    const u = this.config.dale
      ? hashUniform(this.seed, NEURON_SIGN, Math.floor(q / this.outputs))
      : hashUniform(this.seed, SYNAPSE_SIGN, q);
    return u < 0.5 ? -1 : 1;
  }

  /** Synapse q's birth delay (time steps): where it starts when it (re)grows. */
  birthDelay(q: number): number {
    return birthDelay(this.delayInit, this.seed, q);
  }

  /** The generator's state (checkpoints store it, so a resumed run rewires as it would have). */
  rngState(): RngState {
    return this.rng.state();
  }

  /**
   * theta's update of an active synapse q of weight w: its new weight, or null when it goes
   * dormant. Synapses are visited in ascending q in both storages (the noise's order).
   */
  private shrink(q: number, w: number, lr: number, noise: number): number | null {
    const sign = this.signOf(q);
    let theta = sign * w - lr * this.config.l1;
    if (noise > 0) theta += noise * this.rng.normal(0, 1);
    return theta > 0 ? sign * theta : null;
  }

  private noiseScale(lr: number): number {
    const t = this.config.temperature;
    return t > 0 ? Math.sqrt(2 * lr * t) : 0;
  }

  /**
   * One rewiring step of a dense-stored layer after the optimiser's (`lr`: the weight learning
   * rate of that step); `onPrune(q)` and `onRegrow(q)` clear synapse q's optimiser moments.
   */
  step(
    layer: RewiredLayer,
    lr: number,
    onPrune: (q: number) => void,
    onRegrow: (q: number) => void,
  ): RewiringEvents {
    const { weights, mask } = layer;
    const noise = this.noiseScale(lr);
    let pruned = 0;
    let active = 0;
    for (let q = 0; q < mask.length; q++) {
      if (!mask[q]) continue;
      const w = this.shrink(q, weights[q]!, lr, noise);
      if (w !== null) {
        weights[q] = w;
        active++;
      } else {
        weights[q] = 0;
        mask[q] = 0;
        layer.delays[q] = this.birthDelay(q);
        onPrune(q);
        pruned++;
      }
    }
    const isActive = (q: number): boolean => mask[q] !== 0;
    const chosen =
      this.config.regrowth === 'gradient'
        ? largestGradients(mask.length, pruned, isActive, layer.gradWeights)
        : randomDormant(mask.length, pruned, isActive, active, this.rng);
    for (const q of chosen) {
      mask[q] = 1;
      weights[q] = 0;
      layer.delays[q] = this.birthDelay(q);
      onRegrow(q);
    }
    return { pruned, regrown: chosen.length, active: active + chosen.length };
  }

  /**
   * The same step on a compact layer: a pruned synapse's entry takes a regrown one (weight 0,
   * its birth delay; `onRegrow(e)` clears entry e's moments), and the entries are sorted by
   * synapse again; `reorder(order)` moves the optimiser's per-entry state the same way (entry e
   * takes what was at order[e]).
   */
  stepCompact(
    layer: CompactRewiredLayer,
    lr: number,
    onRegrow: (e: number) => void,
    reorder: (order: Int32Array) => void,
  ): RewiringEvents {
    const { synapses, weights, delays } = layer;
    const count = synapses.length;
    const noise = this.noiseScale(lr);
    const freed: number[] = [];
    for (let e = 0; e < count; e++) {
      const w = this.shrink(synapses[e]!, weights[e]!, lr, noise);
      if (w !== null) weights[e] = w;
      else {
        weights[e] = 0;
        freed.push(e);
      }
    }
    if (freed.length === 0) return { pruned: 0, regrown: 0, active: count };
    const isFreed = new Uint8Array(count);
    for (const e of freed) isFreed[e] = 1;
    const isActive = (q: number): boolean => {
      const e = lowerBound(synapses, q);
      return e < count && synapses[e] === q && isFreed[e] === 0;
    };
    const possible = layer.inputs * layer.outputs;
    const chosen =
      this.config.regrowth === 'gradient'
        ? largestGradients(possible, freed.length, isActive, gradientsOf(layer))
        : randomDormant(possible, freed.length, isActive, count - freed.length, this.rng);
    chosen.forEach((q, k) => {
      const e = freed[k]!;
      synapses[e] = q;
      weights[e] = 0;
      delays[e] = this.birthDelay(q);
      onRegrow(e);
    });
    // Back to ascending synapses (every structure reader expects them so).
    const order = Int32Array.from({ length: count }, (_, e) => e).sort((a, b) => synapses[a]! - synapses[b]!);
    permute(synapses, order);
    permute(weights, order);
    permute(delays, order);
    reorder(order);
    return { pruned: freed.length, regrown: chosen.length, active: count };
  }
}

function gradientsOf(layer: CompactRewiredLayer): ArrayLike<number> {
  if (!layer.dormantGradients) throw new RangeError('RigL regrowth needs the dormant synapses’ gradients');
  return layer.dormantGradients;
}

/** values[e] <- values[order[e]] for every e (a copy of the old values first). */
export function permute(values: { [e: number]: number; length: number }, order: Int32Array): void {
  const old = Float64Array.from({ length: order.length }, (_, e) => values[e]!);
  for (let e = 0; e < order.length; e++) values[e] = old[order[e]!]!;
}

/** The first place in ascending `sorted` whose value is not below q. */
function lowerBound(sorted: Int32Array, q: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < q) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `count` dormant synapses of `possible` chosen uniformly at random: draws of a synapse index,
 * keeping the dormant ones not yet chosen. Needs nothing per dormant synapse; with `active` of
 * `possible` synapses active, a draw is dormant with probability 1 - active / possible (at least
 * a half in the sparse layers rewiring is for).
 */
function randomDormant(
  possible: number,
  count: number,
  isActive: (q: number) => boolean,
  active: number,
  rng: Rng,
): number[] {
  const take = Math.min(count, possible - active);
  const chosen = new Set<number>();
  while (chosen.size < take) {
    const q = rng.int(possible);
    if (!isActive(q)) chosen.add(q);
  }
  return [...chosen];
}

/** The `count` dormant synapses with the largest |dL/dw| (ties: the lower index first). */
function largestGradients(
  possible: number,
  count: number,
  isActive: (q: number) => boolean,
  gradWeights: ArrayLike<number>,
): number[] {
  if (count === 0) return [];
  const dormant: number[] = [];
  for (let q = 0; q < possible; q++) if (!isActive(q)) dormant.push(q);
  dormant.sort((a, b) => Math.abs(gradWeights[b]!) - Math.abs(gradWeights[a]!) || a - b);
  return dormant.slice(0, count);
}

/** Active synapses of a mask. */
export function activeCount(mask: Uint8Array): number {
  let n = 0;
  for (let q = 0; q < mask.length; q++) n += mask[q]!;
  return n;
}
