import { describe, expect, it } from 'vitest';
import type { SpikeDataset } from '../core/data/tasks.ts';
import { neverPredictedWatcher } from './neverPredicted.ts';

/** Eight labelled samples of 3 classes; the test split is samples 2..7 (labels 0,1,1,2,2,2). */
function labelled(): SpikeDataset {
  return {
    samples: 8,
    timeSteps: 1,
    inputs: 1,
    source: { kind: 'dense', spikes: new Uint8Array(8) },
    labels: Int32Array.from([0, 1, 0, 1, 1, 2, 2, 2]),
    targetTimes: null,
    outputs: 3,
    train: Int32Array.from([0, 1]),
    validation: new Int32Array(0),
    test: Int32Array.from([2, 3, 4, 5, 6, 7]),
  };
}

const test = (classes: number[]) => ({
  split: 'test' as const,
  indices: Int32Array.from([2, 3, 4, 5, 6, 7]),
  classes: Int32Array.from(classes),
});

describe('neverPredictedWatcher', () => {
  it('warns once when a class stops being predicted, again when the set changes, and when it clears', () => {
    const watch = neverPredictedWatcher(labelled(), 'runs/a');
    expect(watch(test([0, 1, 1, 2, 2, 0]), 1)).toBeNull();
    // Class 2's three samples go silent (-1) or to class 0: nothing is predicted as 2.
    const first = watch(test([0, 1, 1, -1, 0, -1]), 2);
    expect(first).toMatch(
      /^warning: epoch 2: nothing on the test split is predicted as class 2 \(3 samples\)/,
    );
    expect(first).toMatch(/recall is 0/);
    expect(first).toContain('delaylab export runs/a --format readouts');
    // The same set: not repeated.
    expect(watch(test([0, 1, 1, -1, -1, -1]), 3)).toBeNull();
    // Class 1 joins it.
    expect(watch(test([0, 0, 0, -1, -1, -1]), 4)).toMatch(
      /predicted as classes 1 \(2 samples\), 2 \(3 samples\), so their recall is 0\. If that lasts, their output neurons/,
    );
    expect(watch(test([0, 1, 0, 2, 0, 0]), 5)).toBe(
      'epoch 5: every class is predicted again on the test split',
    );
    expect(watch(test([0, 1, 0, 2, 0, 0]), 6)).toBeNull();
  });

  it('says how to get the readouts when the run writes no files, and stays quiet without labels', () => {
    const watch = neverPredictedWatcher(labelled(), null);
    expect(watch(test([0, 0, 0, 0, 0, 0]), 1)).toMatch(/train with --out/);
    const unlabelled = { ...labelled(), labels: null };
    expect(neverPredictedWatcher(unlabelled, null)(test([0, 0, 0, 0, 0, 0]), 1)).toBeNull();
  });
});
