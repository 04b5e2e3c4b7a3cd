/**
 * batchEventLists builds a batch's event lists from each sample's own events; it must give the
 * lists that scanning the dense batch gives, for every kind of sample source.
 */
import { describe, expect, it } from 'vitest';
import type { SampleSource } from '../../core/data/samples.ts';
import type { ImageSet } from '../../core/data/types.ts';
import { gatherBatch, type SpikeDataset } from '../../core/data/tasks.ts';
import { Rng } from '../../core/rng.ts';
import {
  batchEventLists,
  eventListsToDense,
  eventsByInput,
  newEventListScratch,
  newInputEventScratch,
  spikeEventLists,
} from './spikeEvents.ts';

function dataset(source: SampleSource, samples: number, timeSteps: number, inputs: number): SpikeDataset {
  const none = new Int32Array(0);
  return {
    samples,
    timeSteps,
    inputs,
    source,
    labels: new Int32Array(samples),
    targetTimes: null,
    outputs: 2,
    train: none,
    validation: none,
    test: none,
  };
}

function images(count: number): ImageSet {
  const rng = new Rng(3);
  const pixels = Uint8Array.from({ length: count * 16 }, () => (rng.uniform() < 0.5 ? 0 : rng.int(256)));
  return { kind: 'images', count, rows: 4, cols: 4, pixels, labels: new Uint8Array(count), classes: 2 };
}

/** Recordings with several events of one channel in one 10 ms bin (values above 1 after binning). */
function recordings(count: number, channels: number): SpikeDataset['source'] {
  const rng = new Rng(4);
  const offsets = new Uint32Array(count + 1);
  const times: number[] = [];
  const units: number[] = [];
  for (let s = 0; s < count; s++) {
    const n = 5 + rng.int(40);
    const sample = Array.from({ length: n }, () => [rng.uniform() * 120, rng.int(channels)] as const).sort(
      (a, b) => a[0] - b[0],
    );
    for (const [t, u] of sample) {
      times.push(t);
      units.push(u);
    }
    offsets[s + 1] = times.length;
  }
  const set = {
    kind: 'events' as const,
    count,
    channels,
    offsets,
    timesMs: Float32Array.from(times),
    units: Uint16Array.from(units),
    labels: new Uint8Array(count),
    classes: 2,
  };
  return { kind: 'events', set, binMs: 10, pool: 1 };
}

const indices = [4, 0, 2, 2, 7];
const cases: [string, SpikeDataset][] = [
  [
    'dense counts',
    dataset(
      {
        kind: 'dense',
        spikes: Uint8Array.from({ length: 8 * 6 * 5 }, (_, q) => ((q * 7919) % 11 === 0 ? 1 + (q % 3) : 0)),
      },
      8,
      6,
      5,
    ),
  ],
  [
    // Over a quarter non-zero: scanned per batch rather than kept as the data set's lists.
    'dense counts, too dense to keep as lists',
    dataset(
      {
        kind: 'dense',
        spikes: Uint8Array.from({ length: 8 * 6 * 5 }, (_, q) => ((q * 7919) % 3 === 0 ? 0 : 1 + (q % 2))),
      },
      8,
      6,
      5,
    ),
  ],
  [
    'threshold-coded images',
    dataset(
      { kind: 'images', set: images(8), encoder: { kind: 'threshold', threshold: 127, step: 0 }, seed: 1 },
      8,
      3,
      16,
    ),
  ],
  [
    'rate-coded images',
    dataset(
      { kind: 'images', set: images(8), encoder: { kind: 'rate', maxProbability: 0.6 }, seed: 1 },
      8,
      9,
      16,
    ),
  ],
  ['binned recordings (repeats add up)', dataset(recordings(8, 6), 8, 10, 6)],
  [
    'latency-coded points',
    dataset(
      {
        kind: 'points',
        set: {
          kind: 'points',
          count: 8,
          coords: Float32Array.from({ length: 16 }, (_, q) => (q * 0.37) % 1),
          labels: new Uint8Array(8),
          classes: 3,
        },
        encoding: { firstStep: 0, lastStep: 8, biasStep: 4 },
      },
      8,
      10,
      5,
    ),
  ],
];
describe('batchEventLists', () => {
  for (const [name, data] of cases) {
    it(`equals the dense batch's event lists: ${name}`, () => {
      const dense = gatherBatch(data, indices);
      const want = spikeEventLists(dense, indices.length, data.timeSteps, data.inputs)!;
      const got = batchEventLists(data, indices);
      expect(want.count).toBeGreaterThan(0);
      expect(got.count).toBe(want.count);
      expect(Array.from(got.start)).toEqual(Array.from(want.start));
      expect(Array.from(got.input)).toEqual(Array.from(want.input));
      expect(Array.from(got.value)).toEqual(Array.from(want.value));
      // And back: the dense batch the too-dense path uploads is gatherBatch's, value for value,
      // also when written over a buffer that held another batch.
      expect(Array.from(eventListsToDense(got, data.timeSteps, data.inputs))).toEqual(Array.from(dense));
      const reused = new Float32Array(dense.length).fill(7);
      expect(eventListsToDense(got, data.timeSteps, data.inputs, reused)).toBe(reused);
      expect(Array.from(reused)).toEqual(Array.from(dense));
    });
  }

  it('the binned recordings hold a repeated event, so merging is exercised', () => {
    const data = cases[4]![1];
    expect(Array.from(batchEventLists(data, indices).value).some((v) => v > 1)).toBe(true);
  });

  it('refuses a sample with an event past the network’s inputs or time steps', () => {
    const data = dataset(
      { kind: 'images', set: images(2), encoder: { kind: 'threshold', threshold: 0, step: 0 }, seed: 1 },
      2,
      3,
      8,
    );
    expect(() => batchEventLists(data, [0])).toThrow(/event on input \d+ of 8/);
    // Latency-coded points reach step 8; a network of 5 steps cannot hold them.
    const points = cases[5]![1];
    const late = { ...points, timeSteps: 5 };
    expect(() => batchEventLists(late, [1])).toThrow(/out of order or past 5 steps/);
  });

  it('one scratch serves batch after batch of different sizes and sources: each call gives the right lists', () => {
    const scratch = newEventListScratch();
    for (const [, data] of [...cases, ...cases.slice().reverse()]) {
      for (const batch of [[1], indices, [7, 6, 5, 4, 3, 2, 1, 0]]) {
        const want = spikeEventLists(gatherBatch(data, batch), batch.length, data.timeSteps, data.inputs)!;
        const got = batchEventLists(data, batch, scratch);
        expect(Array.from(got.start)).toEqual(Array.from(want.start));
        expect(Array.from(got.input)).toEqual(Array.from(want.input));
        expect(Array.from(got.value)).toEqual(Array.from(want.value));
      }
    }
  });

  it('refuses a sample index past a densely stored data set', () => {
    expect(() => batchEventLists(cases[0]![1], [0, 8])).toThrow(/sample 8 is past the 8 stored/);
  });

  it('eventListsToDense refuses lists that do not fit the shape it is given', () => {
    const lists = batchEventLists(cases[0]![1], [0, 1]);
    // 2 samples x 6 steps = 12 rows: not whole 5-step samples, and inputs up to 4 (of 5).
    expect(() => eventListsToDense(lists, 5, 5)).toThrow(/12 rows is not a whole number of 5-step samples/);
    expect(() => eventListsToDense(lists, 6, 2)).toThrow(/event on input [2-4] of 2/);
  });
});

describe('eventsByInput', () => {
  it("groups a batch's events by input neuron, rows ascending, in one packed buffer; a reused buffer gives the same", () => {
    for (const data of [cases[0]![1], cases[4]![1]]) {
      const lists = batchEventLists(data, [3, 1, 6, 0, 7, 2, 5]);
      const scratch = newInputEventScratch();
      for (let round = 0; round < 2; round++) {
        const got = eventsByInput(lists, data.inputs, scratch);
        // Reference: every (row, input, value) triple, sorted by input then row.
        const triples: [number, number, number][] = [];
        for (let r = 0; r + 1 < lists.start.length; r++)
          for (let e = lists.start[r]!; e < lists.start[r + 1]!; e++)
            triples.push([lists.input[e]!, r, lists.value[e]!]);
        triples.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(triples.length).toBeGreaterThan(10);
        for (let i = 0; i < data.inputs; i++) {
          const mine = triples.filter((t) => t[0] === i);
          const from = got.start[i]!;
          expect(got.start[i + 1]! - from).toBe(mine.length);
          mine.forEach(([, r, v], k) => {
            expect(got.row[from + k]).toBe(r);
            expect(got.value[from + k]).toBe(v);
          });
        }
        // The packed buffer is start, rows, then the values' bits, exactly as long as that.
        const n = data.inputs + 1;
        expect(got.packed.length).toBe(n + 2 * lists.count);
        expect(Array.from(got.packed.subarray(0, n))).toEqual(Array.from(got.start));
        expect(Array.from(got.packed.subarray(n, n + lists.count))).toEqual(Array.from(got.row));
        const bits = new Float32Array(
          got.packed.buffer,
          got.packed.byteOffset + 4 * (n + lists.count),
          lists.count,
        );
        expect(Array.from(bits)).toEqual(Array.from(got.value));
      }
    }
  });
});
