import { describe, expect, it } from 'vitest';
import { outputFieldMoransI } from '../core/analysis/fieldStatistics.ts';
import { mannWhitneyU } from '../core/analysis/mannWhitney.ts';
import { preset } from '../core/presets.ts';
import { initialParameters, Trainer } from '../core/trainer.ts';
import { compareFields } from './fieldComparison.ts';

describe('the playground trained-vs-untrained receptive-field comparison', () => {
  it('compares every output field now with the seed untrained network, with progress', () => {
    const config = preset('yinyang')!;
    const model = new Trainer(config, { precision: 'f64' });
    for (let k = 0; k < 5; k++) model.trainStep(Array.from(model.data.train.subarray(32 * k, 32 * k + 32)));
    const progress: number[] = [];
    const c = compareFields(model, (done, total) => progress.push(done / total), 30);
    expect(c.step).toBe(5);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6].map((k) => k / 6));
    const params = { layers: model.net.synapses.map((s) => ({ weights: s.weights, delays: s.delays })) };
    expect(c.trained).toEqual(outputFieldMoransI(config, params, { permutations: 30 }));
    expect(c.untrained).toEqual(
      outputFieldMoransI(config, { layers: initialParameters(config) }, { permutations: 30 }),
    );
    // Five steps moved the parameters: the two samples differ.
    expect(c.trained).not.toEqual(c.untrained);
    expect(c.result!.test).toEqual(mannWhitneyU(c.trained as number[], c.untrained as number[]));
    expect(c.problem).toBeNull();
  });

  it('says why a network without exactly one hidden layer has no output fields', () => {
    const config = preset('shd-bench')!;
    const model = new Trainer(
      { ...config, task: { kind: 'randomSpikes', samples: 8, classes: 2, rate: 0.01, firstStepOnly: false } },
      {
        precision: 'f32',
      },
    );
    const c = compareFields(model, () => {
      throw new Error('no progress expected');
    });
    expect(c.result).toBeNull();
    expect(c.problem).toMatch(/one hidden layer/);
  });
});
