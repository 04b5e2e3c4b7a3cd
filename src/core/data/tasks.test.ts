import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import { Rng } from '../rng.ts';
import { buildTaskData, gatherBatch, splitTrainValidation, type SpikeDataset } from './tasks.ts';

/** The dense spikes of a generated task. */
function spikesOf(d: SpikeDataset): Uint8Array {
  if (d.source.kind !== 'dense') throw new Error(`expected dense spikes, got ${d.source.kind}`);
  return d.source.spikes;
}

describe('task data', () => {
  it('toy: one sample, each input spikes once at its time, target times per output', () => {
    const c = preset('toy')!;
    const d = buildTaskData(c);
    expect(d.samples).toBe(1);
    expect(d.labels).toBeNull();
    expect(Array.from(d.targetTimes!)).toEqual([38, 55]);
    expect(spikesOf(d).reduce((a, b) => a + b, 0)).toBe(3);
    [10, 20, 30].forEach((t, i) => expect(spikesOf(d)[t * 3 + i]).toBe(1));
    expect(Array.from(d.train)).toEqual([0]);
  });

  it('patterns: deterministic per seed, labelled, split into train / validation / test', () => {
    const c = preset('patterns')!;
    const a = buildTaskData(c);
    const b = buildTaskData(c);
    expect(Array.from(spikesOf(a))).toEqual(Array.from(spikesOf(b)));
    expect(Array.from(a.train)).toEqual(Array.from(b.train));
    const perClass = c.task.kind === 'patterns' ? c.task.samplesPerClass + c.task.testSamplesPerClass : 0;
    expect(a.samples).toBe(3 * perClass);
    expect(a.test.length).toBe(90);
    expect(a.validation.length).toBe(Math.round(240 * 0.2));
    expect(a.train.length + a.validation.length).toBe(240);
    const all = new Set([...a.train, ...a.validation, ...a.test]);
    expect(all.size).toBe(a.samples); // disjoint and complete
    for (let c2 = 0; c2 < 3; c2++) expect(a.labels!.filter((l) => l === c2).length).toBe(perClass);
    // Every sample holds spikes (pattern + noise), and binary.
    for (let s = 0; s < a.samples; s++) {
      const block = spikesOf(a).subarray(s * 40 * 20, (s + 1) * 40 * 20);
      expect(block.reduce((x, y) => x + y, 0)).toBeGreaterThan(5);
    }
    const other = buildTaskData({ ...c, seed: 1 });
    expect(Array.from(spikesOf(other))).not.toEqual(Array.from(spikesOf(a)));
  });

  it('splitTrainValidation cuts a shuffled pool', () => {
    const pool = Array.from({ length: 10 }, (_, i) => i);
    const { train, validation } = splitTrainValidation(pool, 0.3, new Rng(1));
    expect(validation.length).toBe(3);
    expect(train.length).toBe(7);
    expect([...train, ...validation].sort((x, y) => x - y)).toEqual(pool);
  });

  it('gatherBatch copies samples into a dense float batch in the given order', () => {
    const d = buildTaskData(preset('patterns')!);
    const per = d.timeSteps * d.inputs;
    const batch = gatherBatch(d, [5, 2]);
    expect(batch).toBeInstanceOf(Float32Array);
    expect(batch.length).toBe(2 * per);
    for (let q = 0; q < per; q++) {
      expect(batch[q]).toBe(spikesOf(d)[5 * per + q]);
      expect(batch[per + q]).toBe(spikesOf(d)[2 * per + q]);
    }
    const out = new Float32Array(2 * per);
    expect(gatherBatch(d, [1, 0], out)).toBe(out);
  });
});
