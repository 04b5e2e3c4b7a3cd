import type { RealArray } from '../tensor.ts';

export interface AdamHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
  /**
   * AMSGrad (Reddi et al.): divide by the largest second moment seen so far instead of the
   * current one, so a parameter's step size never grows back (PyTorch's `amsgrad=True`).
   */
  amsgrad?: boolean;
}

/** An optimiser state's moments as saved: per parameter (or per stored synapse), with its step count. */
export interface AdamSnapshot {
  m: Float64Array;
  v: Float64Array;
  /** AMSGrad's running maximum of v; absent for plain Adam (and before checkpoint version 8). */
  vMax?: Float64Array;
  step: number;
}

/** The snapshot with every moment array it holds mapped by `f` (expanded, gathered, copied). */
export function mapMoments(a: AdamSnapshot, f: (moment: Float64Array) => Float64Array): AdamSnapshot {
  return { m: f(a.m), v: f(a.v), ...(a.vMax ? { vMax: f(a.vMax) } : {}), step: a.step };
}

/** Stands in for an absent index list, so the update loop's list is never null. */
const NO_INDICES = new Int32Array(0);

/**
 * Adam (Kingma and Ba) on one parameter tensor, with bias correction. Parameter groups
 * (weights, delays) are separate `AdamState`s stepped with their own learning rates.
 *
 * With `indices` (a fixed-mask layer's existing synapses) the moments are kept for those
 * parameters only, and only those are stepped: memory and time in proportion to the synapses
 * that exist. It is the same optimiser: an absent synapse's gradient is always 0, so its moments
 * stay 0 and its step is 0. `m` and `v` then hold entry k for parameter indices[k].
 */
export class AdamState {
  /** First moments; replaced (values kept) only by `moveMoments`. */
  m: Float64Array;
  v: Float64Array;
  /** AMSGrad's running maximum of v (uncorrected, as PyTorch keeps it); null until AMSGrad steps. */
  vMax: Float64Array | null = null;
  /** Where vMax goes when AMSGrad starts (moveMoments' shared array); null: a new array. */
  private vMaxStorage: Float64Array | null = null;
  step = 0;

  constructor(
    /** Parameters the moments stand for (a layer's possible synapses). */
    readonly size: number,
    /** The parameters that have moments (ascending), or null: all of them. */
    readonly indices: Int32Array | null = null,
    /**
     * Where `apply` finds parameter k's value and gradient: at indices[k] in arrays over all
     * `size` parameters (dense), or at k in arrays holding only the indexed ones (compact).
     */
    readonly layout: 'dense' | 'compact' = 'dense',
  ) {
    const kept = indices?.length ?? size;
    this.m = new Float64Array(kept);
    this.v = new Float64Array(kept);
  }

  apply(params: RealArray, grads: RealArray, lr: number, hyper: AdamHyper): void {
    const step = this.beginStep(hyper);
    adamSlice(this.moments(hyper), params, grads, lr, hyper, step, 0, this.m.length);
  }

  /**
   * Counts a step and, with AMSGrad, starts vMax (a copy of v) if it has not started; returns the
   * step's number for adamSlice, which then updates any slices of the moments (in any threads).
   */
  beginStep(hyper: AdamHyper): number {
    if (hyper.amsgrad && !this.vMax) this.vMax = this.takeVMax(this.v);
    return ++this.step;
  }

  /** The arrays a step updates (vMax null without AMSGrad). */
  moments(hyper: AdamHyper): AdamMoments {
    return {
      m: this.m,
      v: this.v,
      vMax: hyper.amsgrad ? this.vMax : null,
      indices: this.layout === 'dense' ? this.indices : null,
    };
  }

  /** An array for vMax holding `from` (a copy of v, or a saved maximum): the shared one, if any. */
  takeVMax(from: ArrayLike<number>): Float64Array {
    const into = this.vMaxStorage ?? new Float64Array(this.m.length);
    into.set(from);
    return into;
  }

  /**
   * Moves the moments into the given arrays (shared memory, so other threads can step slices of
   * them): m, v and any vMax are copied there, and a later vMax starts in `vMax`.
   */
  moveMoments(into: { m: Float64Array; v: Float64Array; vMax: Float64Array | null }): void {
    into.m.set(this.m);
    into.v.set(this.v);
    this.m = into.m;
    this.v = into.v;
    this.vMaxStorage = into.vMax;
    if (this.vMax && into.vMax) {
      into.vMax.set(this.vMax);
      this.vMax = into.vMax;
    }
  }

  /** A moment (m or v) over every parameter: 0 where none is kept. */
  dense(moment: Float64Array): Float64Array {
    if (!this.indices) return Float64Array.from(moment);
    const out = new Float64Array(this.size);
    this.indices.forEach((q, k) => (out[q] = moment[k]!));
    return out;
  }

  /**
   * Sets a moment from one over every parameter (a saved state); throws when it is not 0 where
   * no moment is kept (a state this optimiser could not have produced), unless `dropOthers`
   * (moments of synapses that have none here and need none: a rewired layer's dormant ones).
   */
  setDense(moment: Float64Array, from: ArrayLike<number>, dropOthers = false): void {
    if (from.length !== this.size)
      throw new RangeError(`saved ${from.length} values, the network has ${this.size}`);
    if (!this.indices) {
      moment.set(from);
      return;
    }
    let kept = 0;
    for (let q = 0; q < from.length; q++) if (from[q] !== 0) kept++;
    this.indices.forEach((q, k) => {
      moment[k] = from[q]!;
      if (from[q] !== 0) kept--;
    });
    if (kept !== 0 && !dropOthers)
      throw new RangeError(`${kept} saved moments belong to synapses the mask leaves out`);
  }
}

/** What one step of one tensor updates: the moments, and where parameter k is (null: at k). */
export interface AdamMoments {
  m: Float64Array;
  v: Float64Array;
  /** AMSGrad's maximum of v; null for plain Adam. */
  vMax: Float64Array | null;
  /** Dense storage with moments for these parameters only: parameter indices[k]; else null. */
  indices: Int32Array | null;
}

/**
 * Adam's update of moment entries [from, to) for step number `step` (see AdamState.beginStep):
 * the same arithmetic in the same order whichever slices, in whichever threads, so splitting a
 * tensor's step over threads changes no bit.
 */
export function adamSlice(
  moments: AdamMoments,
  params: RealArray,
  grads: RealArray,
  lr: number,
  hyper: AdamHyper,
  step: number,
  from: number,
  to: number,
): void {
  const { beta1, beta2, epsilon } = hyper;
  const c1 = 1 / (1 - Math.pow(beta1, step));
  const c2 = 1 / (1 - Math.pow(beta2, step));
  const g1 = 1 - beta1;
  const g2 = 1 - beta2;
  // Views of the slice, so the loop runs up to their length (bounds checks the JIT can drop);
  // vMax and indices never null in the loop (a union there costs a check per element).
  const m = moments.m.subarray(from, to);
  const v = moments.v.subarray(from, to);
  const amsgrad = moments.vMax !== null;
  const vMax = (moments.vMax ?? moments.v).subarray(from, to);
  const listed = moments.indices !== null;
  const indices = listed ? moments.indices!.subarray(from, to) : NO_INDICES;
  // The optimiser's step is the part of a data-parallel step other threads wait for, so this
  // loop is kept free of calls (Math.max) and of anything the JIT cannot hoist: 1.6-1.8x faster
  // than before on the delay-only Fashion-MNIST layer (635,200 delays, warm caches: 5.9 -> 3.3-3.7
  // ms per step).
  for (let k = 0; k < m.length; k++) {
    const q = listed ? indices[k]! : from + k;
    const g = grads[q]!;
    const mk = beta1 * m[k]! + g1 * g;
    let vk = beta2 * v[k]! + g2 * g * g;
    m[k] = mk;
    v[k] = vk;
    // Math.max for v >= 0 (never -0). With a NaN gradient (callers such as Trainer.applyUpdate
    // check first) vMax keeps its value where Math.max gave NaN; the parameter is NaN either way.
    if (amsgrad) vk = vk > vMax[k]! ? (vMax[k] = vk) : vMax[k]!;
    params[q]! -= (lr * mk * c1) / (Math.sqrt(vk * c2) + epsilon);
  }
}
