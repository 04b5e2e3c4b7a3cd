import { Rng } from '../rng.ts';
import type { PointSet, SpikeEvents } from './types.ts';

/**
 * The Yin-Yang data set (Kriener, Goeltz & Petrovici 2021, "The Yin-Yang dataset",
 * arXiv:2102.08211): points inside a yin-yang sign in the unit square, in three classes that a
 * shallow network separates well but a linear classifier does not.
 *
 * Geometry (as in the reference implementation, coordinates in [0, 1], y pointing up):
 * - the big circle has radius R_BIG = 0.5 around (0.5, 0.5); points outside it are not part of
 *   the set;
 * - the two dots have radius R_SMALL = 0.1 around (0.25, 0.5) (left) and (0.75, 0.5) (right);
 * - the two "heads" are the circles of radius R_BIG / 2 = 0.25 around the same two centres.
 *
 * Class indices, exactly as the reference's `which_class` returns them (its class names are
 * ['yin', 'yang', 'dot']):
 * - 2 `dot`: strictly inside either dot;
 * - 1 `yang`: the region the reference's code calls `is_yin` (it returns `int(is_yin)`): the
 *   upper half (y > 0.5) outside the right head, plus the left head (outside its dot, which is
 *   class 2 anyway);
 * - 0 `yin`: everything else in the circle: the lower half outside the left head, plus the
 *   right head.
 * The two are point mirror images of each other under (x, y) -> (1 - x, 1 - y). The names follow
 * the reference's list order, so a model trained here reports the same indices as the paper's.
 */
export const YIN_YANG_CLASSES = 3;
export const YIN_YANG_CLASS_NAMES: readonly string[] = Object.freeze(['yin', 'yang', 'dot']);

const R_BIG = 0.5;
const R_SMALL = 0.1;
const CENTRE = 0.5;
const LEFT_X = 0.5 * R_BIG;
const RIGHT_X = 1.5 * R_BIG;
const HEAD = 0.5 * R_BIG;

function dist(x: number, y: number, cx: number, cy: number): number {
  return Math.hypot(x - cx, y - cy);
}

/** True when (x, y) lies in the big circle (boundary included, as the reference rejects only > R_BIG). */
export function insideYinYang(x: number, y: number): boolean {
  return dist(x, y, CENTRE, CENTRE) <= R_BIG;
}

/** Class of a point inside the big circle (caller ensures inside), as the reference defines it. */
export function yinYangClass(x: number, y: number): number {
  const dLeft = dist(x, y, LEFT_X, CENTRE);
  const dRight = dist(x, y, RIGHT_X, CENTRE);
  if (dLeft < R_SMALL || dRight < R_SMALL) return 2;
  const inRightDot = dRight <= R_SMALL; // only its rim is left after the test above
  const inLeftHead = dLeft > R_SMALL && dLeft <= HEAD;
  const upperOutsideRightHead = y > CENTRE && dRight > HEAD;
  return inRightDot || inLeftHead || upperOutsideRightHead ? 1 : 0;
}

/**
 * `count` class-balanced points (counts per class differ by at most 1), deterministic in `seed`.
 * Sample i wants class i mod 3 and is drawn uniformly from the square until a point inside the
 * big circle of that class comes up (rejection sampling, so each class is uniform over its
 * region). Coordinates are rounded to float32 before they are tested, so the stored point's
 * class is exactly its label.
 */
export function generateYinYang(count: number, seed: number): PointSet {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`Yin-Yang sample count must be a non-negative integer, got ${count}`);
  if (!Number.isInteger(seed)) throw new RangeError(`Yin-Yang seed must be an integer, got ${seed}`);
  const rng = new Rng(seed);
  const coords = new Float32Array(2 * count);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const wanted = i % YIN_YANG_CLASSES;
    for (;;) {
      const x = Math.fround(rng.uniform());
      const y = Math.fround(rng.uniform());
      if (!insideYinYang(x, y) || yinYangClass(x, y) !== wanted) continue;
      coords[2 * i] = x;
      coords[2 * i + 1] = y;
      labels[i] = wanted;
      break;
    }
  }
  return { kind: 'points', count, coords, labels, classes: YIN_YANG_CLASSES };
}

/** Time steps of the Yin-Yang latency code. */
export interface YinYangEncoding {
  /** Step of an input value 0 (the earliest spike). */
  firstStep: number;
  /** Step of an input value 1 (the latest spike). */
  lastStep: number;
  /** Step of the bias spike on channel 4. */
  biasStep: number;
}

const MAX_STEP = 0xffff;

function checkStep(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > MAX_STEP)
    throw new RangeError(`Yin-Yang encoding: ${name} must be an integer step in [0, ${MAX_STEP}], got ${v}`);
}

/**
 * Latency code of one sample on 5 input channels, as in the paper: channels 0..3 carry
 * (x, y, 1 - x, 1 - y), each one spike at round(firstStep + v * (lastStep - firstStep)), so a
 * larger value spikes later (t = t_early + v (t_late - t_early)); channel 4 is the bias spike at
 * biasStep. Values are clamped to [0, 1]. Returns SpikeEvents sorted by step then channel.
 */
export function encodeYinYang(points: PointSet, sample: number, enc: YinYangEncoding): SpikeEvents {
  checkStep('firstStep', enc.firstStep);
  checkStep('lastStep', enc.lastStep);
  checkStep('biasStep', enc.biasStep);
  if (enc.firstStep > enc.lastStep)
    throw new RangeError(
      `Yin-Yang encoding: firstStep (${enc.firstStep}) must not come after lastStep (${enc.lastStep})`,
    );
  if (!Number.isInteger(sample) || sample < 0 || sample >= points.count)
    throw new RangeError(
      `Yin-Yang sample index must be an integer in [0, ${points.count - 1}], got ${sample}`,
    );
  const x = points.coords[2 * sample]!;
  const y = points.coords[2 * sample + 1]!;
  const span = enc.lastStep - enc.firstStep;
  const at = (v: number): number => Math.round(enc.firstStep + Math.min(1, Math.max(0, v)) * span);
  const pairs = [
    { step: at(x), channel: 0 },
    { step: at(y), channel: 1 },
    { step: at(1 - x), channel: 2 },
    { step: at(1 - y), channel: 3 },
    { step: enc.biasStep, channel: 4 },
  ];
  pairs.sort((a, b) => a.step - b.step || a.channel - b.channel);
  return {
    steps: Uint16Array.from(pairs, (p) => p.step),
    channels: Uint16Array.from(pairs, (p) => p.channel),
  };
}
