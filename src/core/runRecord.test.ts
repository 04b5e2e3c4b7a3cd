import { describe, expect, it } from 'vitest';
import { epochsSinceBest, type EpochRecord } from './runRecord.ts';

const epoch = (n: number, validationAccuracy: number | null): EpochRecord => ({
  epoch: n,
  trainLoss: 1,
  trainAccuracy: null,
  validationLoss: null,
  validationAccuracy,
  testLoss: null,
  testAccuracy: null,
  sigma: 1,
  ms: 1,
});

describe('epochsSinceBest', () => {
  it('counts the epochs after the first epoch of highest validation accuracy', () => {
    expect(epochsSinceBest([])).toBeNull();
    expect(epochsSinceBest([epoch(1, null)])).toBeNull();
    const h = [epoch(1, 0.5), epoch(2, 0.7), epoch(3, 0.7), epoch(4, 0.6)];
    // A tie does not count as an improvement: the run loop keeps the first best model too.
    expect(epochsSinceBest(h)).toEqual({ bestEpoch: 2, since: 2 });
    expect(epochsSinceBest([...h, epoch(5, 0.71)])).toEqual({ bestEpoch: 5, since: 0 });
  });
});
