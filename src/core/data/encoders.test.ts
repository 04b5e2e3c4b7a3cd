import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { denseToEvents, encodeIntensities, encoderProblems, eventsToDense } from './encoders.ts';

const values = Uint8Array.from([0, 127, 128, 255, 200, 10]);

describe('threshold encoder', () => {
  it('one spike at the chosen step on every channel strictly above the threshold', () => {
    const ev = encodeIntensities(values, { kind: 'threshold', threshold: 127, step: 0 }, 10, null);
    expect(Array.from(ev.channels)).toEqual([2, 3, 4]);
    expect(Array.from(ev.steps)).toEqual([0, 0, 0]);
    const later = encodeIntensities(values, { kind: 'threshold', threshold: 0, step: 3 }, 10, null);
    expect(Array.from(later.channels)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(later.steps)).toEqual([3, 3, 3, 3, 3]);
  });
});

describe('latency encoder', () => {
  it('brighter spikes earlier: 255 at firstStep, just above the cutoff at lastStep, sorted by step', () => {
    const ev = encodeIntensities(
      values,
      { kind: 'latency', firstStep: 2, lastStep: 12, cutoff: 10 },
      20,
      null,
    );
    // (255 - v) / 245 * 10 + 2: 127 -> 7.22 -> 7; 128 -> 7.18 -> 7; 255 -> 2; 200 -> 4.24 -> 4; 10 silent; 0 silent.
    expect(Array.from(ev.steps)).toEqual([2, 4, 7, 7]);
    expect(Array.from(ev.channels)).toEqual([3, 4, 1, 2]);
    const edge = encodeIntensities(
      Uint8Array.from([11]),
      { kind: 'latency', firstStep: 0, lastStep: 9, cutoff: 10 },
      10,
      null,
    );
    expect(Array.from(edge.steps)).toEqual([9]); // (255 - 11) / 245 * 9 = 8.96 -> 9
  });
});

describe('latency and intensity-bin encoders on random images', () => {
  it('give each lit pixel one spike at its own step, sorted by step then channel', () => {
    const rng = new Rng(5);
    const encoders = [
      { kind: 'latency', firstStep: 1, lastStep: 17, cutoff: 30 },
      { kind: 'intensityBins', bins: 4 },
    ] as const;
    const stepOf = (enc: (typeof encoders)[number], v: number): number =>
      enc.kind === 'latency'
        ? v <= enc.cutoff
          ? -1
          : enc.firstStep + Math.round(((255 - v) / (255 - enc.cutoff)) * (enc.lastStep - enc.firstStep))
        : v === 0
          ? -1
          : enc.bins - 1 - Math.min(enc.bins - 1, Math.floor((v * enc.bins) / 255));
    for (let image = 0; image < 50; image++) {
      const pixels = Uint8Array.from({ length: 100 }, () =>
        rng.uniform() < 0.4 ? 0 : Math.floor(rng.uniform() * 256),
      );
      for (const enc of encoders) {
        const ev = encodeIntensities(pixels, enc, 20, null);
        const want = Array.from(pixels, (v, c) => ({ step: stepOf(enc, v), c }))
          .filter((p) => p.step >= 0)
          .sort((a, b) => a.step - b.step || a.c - b.c);
        expect(Array.from(ev.steps)).toEqual(want.map((p) => p.step));
        expect(Array.from(ev.channels)).toEqual(want.map((p) => p.c));
      }
    }
  });
});

describe('rate encoder', () => {
  it('is seeded, silent at 0, always on at 255 with probability 1, and matches the rate on average', () => {
    const enc = { kind: 'rate', maxProbability: 1 } as const;
    const a = encodeIntensities(values, enc, 50, new Rng(3));
    const b = encodeIntensities(values, enc, 50, new Rng(3));
    expect(Array.from(a.steps)).toEqual(Array.from(b.steps));
    expect(Array.from(a.channels)).toEqual(Array.from(b.channels));
    const per = (c: number): number => a.channels.filter((x) => x === c).length;
    expect(per(0)).toBe(0);
    expect(per(3)).toBe(50);
    const many = encodeIntensities(
      new Uint8Array(400).fill(51),
      { kind: 'rate', maxProbability: 0.5 },
      100,
      new Rng(9),
    );
    // p = 0.5 * 51 / 255 = 0.1 over 40,000 draws: 4,000 +- 60 (1 sd).
    expect(Math.abs(many.steps.length - 4000)).toBeLessThan(300);
    for (let k = 1; k < many.steps.length; k++) {
      const order = many.steps[k]! - many.steps[k - 1]! || many.channels[k]! - many.channels[k - 1]!;
      expect(order).toBeGreaterThan(0);
    }
    expect(() => encodeIntensities(values, enc, 5, null)).toThrow(/needs a seeded Rng/);
  });
});

describe('intensity-bin encoder', () => {
  it('cuts 0..255 into equal bins, brightest at step 0, zero silent', () => {
    const v = Uint8Array.from([0, 1, 84, 85, 169, 170, 255]);
    const ev = encodeIntensities(v, { kind: 'intensityBins', bins: 3 }, 10, null);
    // 1, 84 -> bin 0 (step 2); 85, 169 -> bin 1 (step 1); 170, 255 -> bin 2 (step 0).
    expect(Array.from(ev.steps)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(Array.from(ev.channels)).toEqual([5, 6, 3, 4, 1, 2]);
    expect(encoderProblems({ kind: 'intensityBins', bins: 11 }, 10)).toEqual([
      { code: 'range', message: 'bins must be an integer in [1, 10], got 11' },
    ]);
  });
});

describe('dense view', () => {
  it('eventsToDense and denseToEvents invert each other, repeats add up, offsets are respected', () => {
    const ev = { steps: Uint16Array.from([0, 1, 1, 1]), channels: Uint16Array.from([2, 0, 0, 3]) };
    const out = new Float32Array(2 + 2 * 4).fill(7);
    eventsToDense(ev, 2, 4, out, 2);
    expect(Array.from(out)).toEqual([7, 7, 0, 0, 1, 0, 2, 0, 0, 1]);
    const back = denseToEvents(out.subarray(2), 2, 4);
    expect(Array.from(back.steps)).toEqual([0, 1, 1, 1]);
    expect(Array.from(back.channels)).toEqual([2, 0, 0, 3]);
    const many = { steps: new Uint16Array(300), channels: new Uint16Array(300) };
    expect(eventsToDense(many, 1, 1, new Uint8Array(1))[0]).toBe(255); // saturates, no wrap
    expect(() => eventsToDense(ev, 1, 4, new Float32Array(4))).toThrow(/outside 1 x 4/);
    expect(() => eventsToDense(ev, 2, 4, new Float32Array(4))).toThrow(/do not fit/);
  });
});

describe('encoder validation', () => {
  it('names every bad field', () => {
    expect(encoderProblems({ kind: 'threshold', threshold: 300, step: 10 }, 10)).toEqual([
      { code: 'range', message: 'step must be an integer step in [0, 9], got 10' },
      { code: 'range', message: 'threshold must be in [0, 255), got 300' },
    ]);
    expect(encoderProblems({ kind: 'latency', firstStep: 5, lastStep: 2, cutoff: 0 }, 10)).toEqual([
      { code: 'cross-field', message: 'firstStep (5) must not come after lastStep (2)' },
    ]);
    expect(encoderProblems({ kind: 'rate', maxProbability: 0 }, 10)).toHaveLength(1);
    expect(() => encodeIntensities(values, { kind: 'rate', maxProbability: 2 }, 10, new Rng(1))).toThrow(
      /maxProbability/,
    );
  });
});
