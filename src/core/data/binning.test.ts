import { describe, expect, it } from 'vitest';
import { binSample, pooledChannels, type BinningOptions } from './binning.ts';
import type { EventSet } from './types.ts';

/** An EventSet from per-sample [timeMs, unit] lists. */
function events(samples: [number, number][][], channels = 700): EventSet {
  const offsets = new Uint32Array(samples.length + 1);
  samples.forEach((s, i) => (offsets[i + 1] = offsets[i]! + s.length));
  const all = samples.flat();
  return {
    kind: 'events',
    count: samples.length,
    channels,
    offsets,
    timesMs: Float32Array.from(all, ([t]) => t),
    units: Uint16Array.from(all, ([, u]) => u),
    labels: new Uint8Array(samples.length),
    classes: 1,
  };
}

/** The binned sample as [step, channel] pairs. */
function pairs(set: EventSet, sample: number, opts: BinningOptions): number[][] {
  const { steps, channels } = binSample(set, sample, opts);
  expect(steps).toBeInstanceOf(Uint16Array);
  expect(channels).toBeInstanceOf(Uint16Array);
  expect(channels.length).toBe(steps.length);
  return Array.from(steps, (step, i) => [step, channels[i]!]);
}

const SHD = { binMs: 10, pool: 5, timeSteps: 100 };

describe('pooledChannels', () => {
  it('is ceil(channels / pool)', () => {
    expect(pooledChannels(700, 5)).toBe(140);
    expect(pooledChannels(700, 1)).toBe(700);
    expect(pooledChannels(700, 3)).toBe(234);
    expect(pooledChannels(704, 5)).toBe(141);
    expect(pooledChannels(0, 4)).toBe(0);
  });

  it('rejects a bad pool or channel count', () => {
    expect(() => pooledChannels(700, 0)).toThrow(RangeError);
    expect(() => pooledChannels(700, 2.5)).toThrow(/pool must be an integer >= 1/);
    expect(() => pooledChannels(-1, 5)).toThrow(RangeError);
  });
});

describe('binSample', () => {
  it('puts events in floor(time / binMs) and pools units into floor(unit / pool)', () => {
    const set = events([
      [
        [0, 0],
        [9.99, 4],
        [10, 5],
        [25, 699],
        [31, 9],
      ],
    ]);
    expect(pairs(set, 0, SHD)).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
      [2, 139],
      [3, 1],
    ]);
    // Without pooling, channels are the units; other bin widths move the steps.
    expect(pairs(set, 0, { binMs: 1, pool: 1, timeSteps: 100 })).toEqual([
      [0, 0],
      [9, 4],
      [10, 5],
      [25, 699],
      [31, 9],
    ]);
    expect(pairs(set, 0, { binMs: 2.5, pool: 700, timeSteps: 100 })).toEqual([
      [0, 0],
      [3, 0],
      [4, 0],
      [10, 0],
      [12, 0],
    ]);
  });

  it('drops events at step >= timeSteps', () => {
    const set = events([
      [
        [5, 1],
        [989.9, 2],
        [990, 3],
        [1000, 4],
        [5000, 5],
      ],
    ]);
    expect(pairs(set, 0, SHD)).toEqual([
      [0, 0],
      [98, 0],
      [99, 0],
    ]);
    expect(pairs(set, 0, { ...SHD, timeSteps: 1 })).toEqual([[0, 0]]);
  });

  it('keeps repeated (step, channel) pairs, one per event', () => {
    const set = events([
      [
        [1, 10],
        [2, 11],
        [3, 10],
        [4, 14],
        [15, 12],
      ],
    ]);
    expect(pairs(set, 0, SHD)).toEqual([
      [0, 2],
      [0, 2],
      [0, 2],
      [0, 2],
      [1, 2],
    ]);
  });

  it('sorts by step, then channel', () => {
    const set = events([
      [
        [1, 699],
        [2, 0],
        [3, 350],
        [4, 5],
        [12, 40],
        [12, 3],
        [13, 20],
      ],
    ]);
    expect(pairs(set, 0, SHD)).toEqual([
      [0, 0],
      [0, 1],
      [0, 70],
      [0, 139],
      [1, 0],
      [1, 4],
      [1, 8],
    ]);
  });

  it('bins only the asked sample; an empty sample gives no events', () => {
    const set = events([
      [[1, 1]],
      [],
      [
        [20, 20],
        [40, 40],
      ],
    ]);
    expect(pairs(set, 0, SHD)).toEqual([[0, 0]]);
    expect(pairs(set, 1, SHD)).toEqual([]);
    expect(pairs(set, 2, SHD)).toEqual([
      [2, 4],
      [4, 8],
    ]);
  });

  it('rejects bad options and sample indices', () => {
    const set = events([[[1, 1]]]);
    expect(() => binSample(set, 0, { ...SHD, binMs: 0 })).toThrow(/binMs must be a finite number > 0/);
    expect(() => binSample(set, 0, { ...SHD, binMs: -1 })).toThrow(RangeError);
    expect(() => binSample(set, 0, { ...SHD, binMs: NaN })).toThrow(RangeError);
    expect(() => binSample(set, 0, { ...SHD, pool: 0 })).toThrow(/pool must be an integer >= 1/);
    expect(() => binSample(set, 0, { ...SHD, pool: 1.5 })).toThrow(RangeError);
    expect(() => binSample(set, 0, { ...SHD, timeSteps: 0 })).toThrow(/timeSteps must be an integer/);
    expect(() => binSample(set, 0, { ...SHD, timeSteps: 2.5 })).toThrow(RangeError);
    expect(() => binSample(set, 0, { ...SHD, timeSteps: 70000 })).toThrow(RangeError);
    expect(() => binSample(set, 1, SHD)).toThrow(/sample must be an integer in \[0, 1\)/);
    expect(() => binSample(set, -1, SHD)).toThrow(RangeError);
  });

  it('rejects a unit outside the set’s channels', () => {
    const set = events([[[1, 700]]]);
    expect(() => binSample(set, 0, SHD)).toThrow(/unit 700, outside its 700 channels/);
  });
});
