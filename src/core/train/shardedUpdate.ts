import type { LayerGradients } from '../dataParallel.ts';
import { allFinite, type RealArray } from '../tensor.ts';
import { adamSlice, type AdamHyper, type AdamMoments } from './adam.ts';

/**
 * An optimiser step split over threads: each thread sums the replicas' gradients into the main
 * trainer's, checks them, steps Adam and clamps over its slice of every tensor, where one thread
 * did it all while the others waited (19-26 % of a 2-thread step on the delay-only presets). Every
 * entry gets the same operations in the same order as in the one-thread step, so results do not
 * change by a bit; only where they run does.
 */

/** Which of a layer's tensors an optimiser step updates. */
export interface UpdatedTensors {
  weights: boolean;
  delays: boolean;
}

/** Per layer, its weight and delay optimisers' moments (null: that tensor does not train). */
export interface LayerMoments {
  weights: AdamMoments | null;
  delays: AdamMoments | null;
}

/** One step's settings, the same for every slice of it. */
export interface UpdatePlan {
  lrWeights: number;
  lrDelays: number;
  hyper: AdamHyper;
  /** Per layer, the step number of its weight and delay optimisers (null: not trained). */
  steps: { weights: number | null; delays: number | null }[];
}

/** What a slice reads and writes of a layer: its parameters, summed gradients and constraint. */
export interface SlicedLayer {
  weights: RealArray;
  delays: RealArray;
  gradWeights: RealArray;
  gradDelays: RealArray;
  computeWeightGrad: boolean;
  computeDelayGrad: boolean;
  constrainSlice(from: number, to: number): void;
}

/** Slice `part` of `parts` of `length` entries: [from, to), contiguous, in part order. */
export function sliceOf(length: number, part: number, parts: number): [number, number] {
  return [Math.floor((length * part) / parts), Math.floor((length * (part + 1)) / parts)];
}

/**
 * Adds the replicas' gradients (in replica order, as DataParallelEngine adds them) into the
 * layers' over slice `part` of `parts`, then checks the updated tensors' sums there: returns the
 * first layer whose slice holds a value that is not finite, or -1.
 */
export function sumAndCheckSlice(
  layers: readonly SlicedLayer[],
  replicas: readonly (readonly LayerGradients[])[],
  updated: readonly UpdatedTensors[],
  part: number,
  parts: number,
): number {
  let firstBad = -1;
  layers.forEach((s, l) => {
    const [from, to] = sliceOf(s.gradWeights.length, part, parts);
    for (const grads of replicas) {
      if (s.computeWeightGrad) addSlice(s.gradWeights, grads[l]!.gradWeights, from, to);
      if (s.computeDelayGrad) addSlice(s.gradDelays, grads[l]!.gradDelays, from, to);
    }
    const bad =
      (updated[l]!.weights && !allFinite(s.gradWeights.subarray(from, to))) ||
      (updated[l]!.delays && !allFinite(s.gradDelays.subarray(from, to)));
    if (bad && firstBad < 0) firstBad = l;
  });
  return firstBad;
}

/** Adam on slice `part` of `parts` of every trained tensor's moments, then the clamp over the layer's slice. */
export function updateSlice(
  layers: readonly SlicedLayer[],
  moments: readonly LayerMoments[],
  plan: UpdatePlan,
  part: number,
  parts: number,
): void {
  adamSlices(layers, moments, plan, part, parts);
  layers.forEach((s, l) => {
    const { weights, delays } = moments[l]!;
    // The clamp over the stored entries this slice's Adam stepped (no other thread writes them).
    const [from, to] = storedSlice(weights ?? delays, s.delays.length, part, parts);
    s.constrainSlice(from, to);
  });
}

/**
 * Adam alone (no clamp) on slice `part` of `parts` of every trained tensor's moments; with one
 * part, the whole step that Trainer.applyUpdate takes before rewiring and the clamp.
 */
export function adamSlices(
  layers: readonly Omit<SlicedLayer, 'constrainSlice'>[],
  moments: readonly LayerMoments[],
  plan: UpdatePlan,
  part: number,
  parts: number,
): void {
  layers.forEach((s, l) => {
    const { weights, delays } = moments[l]!;
    const steps = plan.steps[l]!;
    if (weights && steps.weights !== null) {
      const [from, to] = sliceOf(weights.m.length, part, parts);
      adamSlice(weights, s.weights, s.gradWeights, plan.lrWeights, plan.hyper, steps.weights, from, to);
    }
    if (delays && steps.delays !== null) {
      const [from, to] = sliceOf(delays.m.length, part, parts);
      adamSlice(delays, s.delays, s.gradDelays, plan.lrDelays, plan.hyper, steps.delays, from, to);
    }
  });
}

/**
 * The stored entries [from, to) whose moments are in slice `part` of `parts`: the same slice where
 * moments are kept for every entry; where they are kept for listed entries only (a masked dense
 * layer), from the first listed entry of this slice to the first of the next, so that the slices
 * still cover the layer and each thread clamps only what its own Adam slice wrote.
 */
function storedSlice(
  moments: AdamMoments | null,
  length: number,
  part: number,
  parts: number,
): [number, number] {
  const indices = moments?.indices;
  if (!indices) return sliceOf(length, part, parts);
  const [first, end] = sliceOf(indices.length, part, parts);
  return [
    part === 0 ? 0 : (indices[first] ?? length),
    part === parts - 1 ? length : (indices[end] ?? length),
  ];
}

function addSlice(target: RealArray, source: ArrayLike<number>, from: number, to: number): void {
  for (let q = from; q < to; q++) target[q]! += source[q]!;
}
