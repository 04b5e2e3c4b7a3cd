import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import { concatSets, sampleEvents, writeSample } from './samples.ts';
import { buildTaskData, gatherBatch } from './tasks.ts';
import type { EventSet, ImageSet, RawDataset } from './types.ts';

const images = (count: number, start = 0): ImageSet => ({
  kind: 'images',
  count,
  rows: 2,
  cols: 2,
  classes: 2,
  // Sample s: pixel p is 255 when (s + p) is even, else 0.
  pixels: Uint8Array.from({ length: count * 4 }, (_, q) =>
    (Math.floor(q / 4) + start + (q % 4)) % 2 === 0 ? 255 : 0,
  ),
  labels: Uint8Array.from({ length: count }, (_, s) => (s + start) % 2),
});

const events = (times: number[][], units: number[][], channels = 10): EventSet => {
  const offsets = new Uint32Array(times.length + 1);
  times.forEach((t, s) => (offsets[s + 1] = offsets[s]! + t.length));
  return {
    kind: 'events',
    count: times.length,
    channels,
    classes: 2,
    offsets,
    timesMs: Float32Array.from(times.flat()),
    units: Uint16Array.from(units.flat()),
    labels: Uint8Array.from(times.map((_, s) => s % 2)),
  };
};

describe('sample sources', () => {
  it('encodes images per sample and writes the dense view at an offset', () => {
    const source = {
      kind: 'images',
      set: images(3),
      encoder: { kind: 'threshold', threshold: 127, step: 1 },
      seed: 0,
    } as const;
    const ev = sampleEvents(source, 1, 3, 4);
    expect(Array.from(ev.channels)).toEqual([1, 3]);
    expect(Array.from(ev.steps)).toEqual([1, 1]);
    const out = new Float32Array(2 + 12).fill(9);
    writeSample(source, 1, 3, 4, out, 2);
    expect(Array.from(out)).toEqual([9, 9, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
  });

  it('the rate code gives each sample its own fixed spikes, whatever else is encoded', () => {
    const set: ImageSet = { ...images(4), pixels: new Uint8Array(16).fill(128) };
    const source = { kind: 'images', set, encoder: { kind: 'rate', maxProbability: 1 }, seed: 7 } as const;
    const a = sampleEvents(source, 2, 20, 4);
    sampleEvents(source, 0, 20, 4);
    expect(sampleEvents(source, 2, 20, 4)).toEqual(a);
    expect(sampleEvents(source, 3, 20, 4)).not.toEqual(a);
    expect(sampleEvents({ ...source, seed: 8 }, 2, 20, 4)).not.toEqual(a);
  });

  it('bins events (step = floor(ms / binMs), pooled channels), repeats counting', () => {
    const source = {
      kind: 'events',
      set: events([[0.5, 3, 12, 25]], [[9, 8, 0, 1]]),
      binMs: 10,
      pool: 5,
    } as const;
    const out = new Uint8Array(3 * 2);
    writeSample(source, 0, 3, 2, out, 0);
    // 0.5 ms ch 9 -> (0, 1); 3 ms ch 8 -> (0, 1); 12 ms ch 0 -> (1, 0); 25 ms ch 1 -> (2, 0).
    expect(Array.from(out)).toEqual([0, 2, 1, 0, 1, 0]);
  });

  it('concatSets joins parts of the same kind, shifting event offsets', () => {
    const joined = concatSets(images(2), images(3, 2));
    expect(joined.count).toBe(5);
    expect(Array.from(joined.labels)).toEqual([0, 1, 0, 1, 0]);
    const e = concatSets(events([[1, 2]], [[0, 1]]), events([[3], [4, 5, 6]], [[2], [3, 4, 5]]));
    expect(Array.from(e.offsets)).toEqual([0, 2, 3, 6]);
    expect(Array.from(e.units)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => concatSets(images(1), { ...images(1), rows: 4, cols: 1 })).toThrow(
      /cannot join 2x2 and 4x1/,
    );
  });
});

describe('loaded data in tasks', () => {
  const raw: RawDataset = {
    name: 'tiny',
    source: { kind: 'builtin', name: 'tiny' },
    train: images(50),
    test: images(20, 50),
  };
  const config = (): ReturnType<typeof preset> & object => {
    const c = preset('mnist-small')!;
    c.network.inputs = 4;
    c.network.layers[0]!.size = 8;
    c.network.layers[1]!.size = 2;
    return c;
  };

  it('training and validation come from the training part by seed, the test part stays apart', () => {
    const d = buildTaskData(config(), raw);
    expect(d.samples).toBe(70);
    expect(d.train.length).toBe(40);
    expect(d.validation.length).toBe(10);
    expect(Array.from(d.test)).toEqual(Array.from({ length: 20 }, (_, i) => 50 + i));
    expect([...d.train, ...d.validation].every((s) => s < 50)).toBe(true);
    expect(d.labels![55]).toBe(55 % 2);
    // Another seed, another split of the same training part.
    const other = buildTaskData({ ...config(), seed: 3 }, raw);
    expect(Array.from(other.validation)).not.toEqual(Array.from(d.validation));
    // A batch holds the threshold code of the chosen samples.
    const batch = gatherBatch(d, [51]);
    expect(Array.from(batch.subarray(0, 4))).toEqual([0, 1, 0, 1]); // sample 51: odd s -> odd pixels lit
  });

  it('limits take a seeded subset of each part', () => {
    const c = config();
    if (c.task.kind !== 'images') throw new Error('images task expected');
    c.task.trainLimit = 10;
    c.task.testLimit = 5;
    const d = buildTaskData(c, raw);
    expect(d.train.length + d.validation.length).toBe(10);
    expect(d.test.length).toBe(5);
    expect(Array.from(d.test).every((s) => s >= 50)).toBe(true);
  });

  it('says what does not fit: pixels vs inputs, classes vs outputs, a missing data set', () => {
    const c = config();
    c.network.inputs = 9;
    expect(() => buildTaskData(c, raw)).toThrow(/inputs: 9, but data set 'tiny' has 2x2 = 4 pixels/);
    const d = config();
    d.network.layers[1]!.size = 10;
    expect(() => buildTaskData(d, raw)).toThrow(/10 outputs, but data set 'tiny' has 2 classes/);
    // One stray label (200) is named with its sample, not read as "201 classes".
    const stray = structuredClone(raw);
    const test = stray.test as ImageSet;
    test.labels = Uint8Array.from(test.labels, (l, s) => (s === 7 ? 200 : l));
    test.classes = 201;
    expect(() => buildTaskData(config(), stray)).toThrow(
      /2 outputs \(classes 0-1\), but test sample 7 of data set 'tiny' has label 200/,
    );
    expect(() => buildTaskData(config(), null)).toThrow(
      /needs the data set 'mnist-10k', which is not loaded/,
    );
  });
});
