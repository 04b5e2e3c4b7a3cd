import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../runRecord.ts';
import { runsCsv } from './runsCsv.ts';

function epoch(n: number, validation: number | null): EpochRecord {
  return {
    epoch: n,
    trainLoss: 1 / n,
    trainAccuracy: 0.5,
    validationLoss: null,
    validationAccuracy: validation,
    testLoss: 0.7,
    testAccuracy: 0.6,
    sigma: 2.5,
    ms: 1234.4,
  };
}

describe('runsCsv', () => {
  it('writes one row per epoch of every run, empty fields where not measured, names quoted when needed', () => {
    const csv = runsCsv([
      { name: 'patterns · seed 1', seed: 1, history: [epoch(1, 0.4), epoch(2, null)] },
      { name: 'my "best", run', seed: 2, history: [epoch(1, 0.9)] },
    ]);
    expect(csv.split('\n')).toEqual([
      'run,seed,epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,test_loss,test_accuracy,sigma,epoch_ms',
      'patterns · seed 1,1,1,1,0.5,,0.4,0.7,0.6,2.5,1234',
      'patterns · seed 1,1,2,0.5,0.5,,,0.7,0.6,2.5,1234',
      '"my ""best"", run",2,1,1,0.5,,0.9,0.7,0.6,2.5,1234',
      '',
    ]);
  });
});
