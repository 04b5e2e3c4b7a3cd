import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import type { PointSet } from './types.ts';
import {
  YIN_YANG_CLASSES,
  YIN_YANG_CLASS_NAMES,
  encodeYinYang,
  generateYinYang,
  insideYinYang,
  yinYangClass,
} from './yinYang.ts';

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(YIN_YANG_CLASSES).fill(0);
  for (const l of labels) counts[l]! += 1;
  return counts;
}

/** Uniform points of the big circle (by rejection from the unit square). */
function uniformInCircle(n: number, seed: number): [number, number][] {
  const rng = new Rng(seed);
  const out: [number, number][] = [];
  while (out.length < n) {
    const x = rng.uniform();
    const y = rng.uniform();
    if (insideYinYang(x, y)) out.push([x, y]);
  }
  return out;
}

describe('Yin-Yang constants', () => {
  it('has three classes named in the reference order', () => {
    expect(YIN_YANG_CLASSES).toBe(3);
    expect(YIN_YANG_CLASS_NAMES).toEqual(['yin', 'yang', 'dot']);
  });
});

describe('yinYangClass geometry', () => {
  it('classifies hand-derived points as the reference does', () => {
    // Dot centres (0.25, 0.5) and (0.75, 0.5), and points 0.08 < 0.1 away from them: dots.
    expect(yinYangClass(0.25, 0.5)).toBe(2);
    expect(yinYangClass(0.75, 0.5)).toBe(2);
    expect(yinYangClass(0.25, 0.58)).toBe(2);
    expect(yinYangClass(0.83, 0.5)).toBe(2);
    // (0.5, 0.9): upper half, 0.47 from the right centre (> 0.25, outside the right head) -> 1.
    expect(yinYangClass(0.5, 0.9)).toBe(1);
    // (0.5, 0.1): lower half, 0.47 from the left centre (outside the left head) -> 0.
    expect(yinYangClass(0.5, 0.1)).toBe(0);
    // (0.25, 0.3): lower half but 0.2 from the left centre, inside the left head -> 1.
    expect(yinYangClass(0.25, 0.3)).toBe(1);
    // (0.25, 0.62): 0.12 from the left centre, in the left head just outside its dot -> 1.
    expect(yinYangClass(0.25, 0.62)).toBe(1);
    // (0.75, 0.7): upper half but 0.2 from the right centre, inside the right head -> 0.
    expect(yinYangClass(0.75, 0.7)).toBe(0);
    // (0.75, 0.38): 0.12 from the right centre, right head outside the dot -> 0.
    expect(yinYangClass(0.75, 0.38)).toBe(0);
    // On the centre line: (0.1, 0.5) is 0.15 from the left centre (left head) -> 1;
    // (0.9, 0.5) is 0.15 from the right centre (right head) -> 0.
    expect(yinYangClass(0.1, 0.5)).toBe(1);
    expect(yinYangClass(0.9, 0.5)).toBe(0);
    // Just above / below the centre line at x = 0.5, i.e. 0.25 + eps from both centres
    // (outside both heads): the half decides.
    expect(yinYangClass(0.5, 0.51)).toBe(1);
    expect(yinYangClass(0.5, 0.49)).toBe(0);
  });

  it('tells the inside of the big circle from the outside', () => {
    expect(insideYinYang(0.5, 0.5)).toBe(true);
    expect(insideYinYang(0.5, 0.999)).toBe(true);
    expect(insideYinYang(0.02, 0.5)).toBe(true);
    expect(insideYinYang(0.05, 0.05)).toBe(false); // corner: 0.64 from the centre
    expect(insideYinYang(0.9, 0.9)).toBe(false); // 0.566 from the centre
    expect(insideYinYang(1.01, 0.5)).toBe(false);
  });

  it('gives the dots about 8 % of the circle and yin and yang about 46 % each', () => {
    const n = 100_000;
    const counts = [0, 0, 0];
    for (const [x, y] of uniformInCircle(n, 11)) counts[yinYangClass(x, y)]! += 1;
    // Dots: 2 * pi * 0.1^2 / (pi * 0.5^2) = 0.08; the rest splits evenly (0.46 each).
    // Binomial std at n = 1e5 is below 0.0016, so 0.006 is ~4 std.
    expect(Math.abs(counts[2]! / n - 0.08)).toBeLessThan(0.006);
    expect(Math.abs(counts[0]! / n - 0.46)).toBeLessThan(0.006);
    expect(Math.abs(counts[1]! / n - 0.46)).toBeLessThan(0.006);
  });

  it('yin and yang are mirror images under (x, y) -> (1 - x, 1 - y), dots map to dots', () => {
    let checked = 0;
    for (const [x, y] of uniformInCircle(20_000, 12)) {
      const c = yinYangClass(x, y);
      const m = yinYangClass(1 - x, 1 - y);
      if (c === 2) expect(m).toBe(2);
      else {
        expect(m).toBe(1 - c);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(17_000);
  });
});

describe('generateYinYang', () => {
  it('balances the classes: 3000 points give 1000 each, other counts differ by at most 1', () => {
    const set = generateYinYang(3000, 1);
    expect(set.kind).toBe('points');
    expect(set.count).toBe(3000);
    expect(set.classes).toBe(3);
    expect(set.coords.length).toBe(6000);
    expect(set.labels.length).toBe(3000);
    expect(classCounts(set.labels)).toEqual([1000, 1000, 1000]);
    for (const n of [0, 1, 2, 4, 3001, 3002]) {
      const counts = classCounts(generateYinYang(n, 2).labels);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('puts every point inside the big circle, in [0, 1]^2, with yinYangClass equal to its label', () => {
    const set = generateYinYang(3000, 3);
    for (let i = 0; i < set.count; i++) {
      const x = set.coords[2 * i]!;
      const y = set.coords[2 * i + 1]!;
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(1);
      expect(insideYinYang(x, y)).toBe(true);
      expect(yinYangClass(x, y)).toBe(set.labels[i]);
    }
  });

  it('samples each class uniformly over its region: both dots fill equally, class 1 splits by area across the centre line', () => {
    const set = generateYinYang(6000, 4);
    let left = 0;
    let right = 0;
    let upperYang = 0;
    let yang = 0;
    for (let i = 0; i < set.count; i++) {
      const x = set.coords[2 * i]!;
      const y = set.coords[2 * i + 1]!;
      if (set.labels[i] === 2) {
        if (x < 0.5) left++;
        else right++;
      } else if (set.labels[i] === 1) {
        yang++;
        if (y > 0.5) upperYang++;
      }
    }
    expect(left + right).toBe(2000);
    expect(Math.abs(left - right)).toBeLessThan(200); // std of the difference is ~45
    // Class 1 above the centre line: the upper half disc (pi/8) minus the upper halves of the
    // right head (pi/32) and of the left dot (pi/200); below it: the lower half of the left head
    // minus the lower half of its dot (pi/32 - pi/200). Upper share = 0.08875 / 0.115 = 0.772
    // (binomial std at 2000 points ~0.01).
    expect(Math.abs(upperYang / yang - 0.08875 / 0.115)).toBeLessThan(0.04);
  });

  it('is deterministic in the seed; another seed gives other data', () => {
    const a = generateYinYang(500, 42);
    const b = generateYinYang(500, 42);
    const c = generateYinYang(500, 43);
    expect(Array.from(a.coords)).toEqual(Array.from(b.coords));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    let differ = 0;
    for (let i = 0; i < a.coords.length; i++) if (a.coords[i] !== c.coords[i]) differ++;
    expect(differ).toBeGreaterThan(a.coords.length * 0.9);
  });

  it('rejects bad arguments', () => {
    expect(() => generateYinYang(-1, 0)).toThrow(RangeError);
    expect(() => generateYinYang(1.5, 0)).toThrow(/non-negative integer/);
    expect(() => generateYinYang(Number.NaN, 0)).toThrow(RangeError);
    expect(() => generateYinYang(10, 0.5)).toThrow(RangeError);
  });
});

describe('encodeYinYang', () => {
  const points: PointSet = {
    kind: 'points',
    count: 3,
    // (0, 1), (0.25, 0.75), (0.5, 0.5): all exact in float32.
    coords: Float32Array.from([0, 1, 0.25, 0.75, 0.5, 0.5]),
    labels: Uint8Array.from([0, 1, 2]),
    classes: 3,
  };

  it('encodes the extremes: value 0 at firstStep, value 1 at lastStep, bias at biasStep', () => {
    const ev = encodeYinYang(points, 0, { firstStep: 2, lastStep: 12, biasStep: 0 });
    // x = 0 -> 2, y = 1 -> 12, 1 - x = 1 -> 12, 1 - y = 0 -> 2, bias -> 0; sorted by step, channel.
    expect(Array.from(ev.steps)).toEqual([0, 2, 2, 12, 12]);
    expect(Array.from(ev.channels)).toEqual([4, 0, 3, 1, 2]);
  });

  it('places intermediate values linearly, larger values later', () => {
    const ev = encodeYinYang(points, 1, { firstStep: 0, lastStep: 20, biasStep: 7 });
    // x = 0.25 -> 5, y = 0.75 -> 15, 1 - x = 0.75 -> 15, 1 - y = 0.25 -> 5, bias 7.
    expect(Array.from(ev.steps)).toEqual([5, 5, 7, 15, 15]);
    expect(Array.from(ev.channels)).toEqual([0, 3, 4, 1, 2]);
    const mid = encodeYinYang(points, 2, { firstStep: 3, lastStep: 9, biasStep: 9 });
    // All four values are 0.5 -> 3 + 0.5 * 6 = 6; the bias comes last at 9.
    expect(Array.from(mid.steps)).toEqual([6, 6, 6, 6, 9]);
    expect(Array.from(mid.channels)).toEqual([0, 1, 2, 3, 4]);
    const flat = encodeYinYang(points, 1, { firstStep: 4, lastStep: 4, biasStep: 4 });
    expect(Array.from(flat.steps)).toEqual([4, 4, 4, 4, 4]);
    expect(Array.from(flat.channels)).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives 5 sorted events, one per channel, within the step range for generated points', () => {
    const set = generateYinYang(300, 5);
    const enc = { firstStep: 1, lastStep: 30, biasStep: 0 };
    for (let s = 0; s < set.count; s++) {
      const ev = encodeYinYang(set, s, enc);
      expect(ev.steps.length).toBe(5);
      expect(Array.from(ev.channels).sort()).toEqual([0, 1, 2, 3, 4]);
      for (let i = 1; i < 5; i++) {
        const before = ev.steps[i - 1]! * 8 + ev.channels[i - 1]!;
        expect(ev.steps[i]! * 8 + ev.channels[i]!).toBeGreaterThan(before);
      }
      const x = set.coords[2 * s]!;
      const stepOf = (c: number): number => ev.steps[Array.from(ev.channels).indexOf(c)]!;
      expect(stepOf(0)).toBe(Math.round(1 + x * 29));
      expect(stepOf(0) + stepOf(2)).toBeGreaterThanOrEqual(30); // x and 1 - x straddle the range
      expect(stepOf(0) + stepOf(2)).toBeLessThanOrEqual(32);
      expect(stepOf(4)).toBe(0);
    }
  });

  it('rejects bad arguments', () => {
    const ok = { firstStep: 0, lastStep: 10, biasStep: 0 };
    expect(() => encodeYinYang(points, 0, { ...ok, firstStep: 11 })).toThrow(/must not come after/);
    expect(() => encodeYinYang(points, 0, { ...ok, firstStep: -1 })).toThrow(RangeError);
    expect(() => encodeYinYang(points, 0, { ...ok, lastStep: 2.5 })).toThrow(RangeError);
    expect(() => encodeYinYang(points, 0, { ...ok, biasStep: -3 })).toThrow(/biasStep/);
    expect(() => encodeYinYang(points, 0, { ...ok, lastStep: 70_000 })).toThrow(RangeError);
    expect(() => encodeYinYang(points, 3, ok)).toThrow(/sample index/);
    expect(() => encodeYinYang(points, -1, ok)).toThrow(RangeError);
    expect(() => encodeYinYang(points, 0.5, ok)).toThrow(RangeError);
  });
});
