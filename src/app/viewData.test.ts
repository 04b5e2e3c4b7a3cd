import { describe, expect, it } from 'vitest';
import type { TestReport } from '../worker/protocol.ts';
import { neverPredictedData } from './viewData.ts';

/** 3 classes; class 2's 4 samples: 1 predicted as 0, 3 silent; nothing predicted as 2. */
const report: TestReport = {
  epoch: 7,
  classes: 3,
  confusion: [5, 1, 0, 2, 6, 0, 1, 0, 0],
  silent: [0, 0, 3],
  samples: [],
};

describe('neverPredictedData (the playground line under Live views)', () => {
  it('names the classes no test sample was predicted as, with their sample counts (silent ones included)', () => {
    expect(neverPredictedData(report, null)).toEqual({ epoch: 7, classes: [{ label: '2', samples: 4 }] });
    expect(neverPredictedData(report, ['T-shirt', 'Trouser', 'Pullover'])).toEqual({
      epoch: 7,
      classes: [{ label: '2 (Pullover)', samples: 4 }],
    });
  });

  it('is null without a report or when every class is predicted', () => {
    expect(neverPredictedData(null, null)).toBeNull();
    const all = { ...report, confusion: [5, 1, 0, 2, 6, 0, 1, 0, 1], silent: [0, 0, 2] };
    expect(neverPredictedData(all, null)).toBeNull();
  });
});
