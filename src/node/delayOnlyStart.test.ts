import { describe, expect, it } from 'vitest';
import { DELAY_ONLY_PRESETS } from '../core/delayOnlyPresets.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { buildTaskData } from '../core/data/tasks.ts';
import { preset } from '../core/presets.ts';
import { Trainer } from '../core/trainer.ts';
import { builtinMnistDataset } from './builtinMnist.ts';

const raw = builtinMnistDataset();

/** The largest |gradient| per layer of what the config trains, on one batch of 32 real digits at initialisation. */
function firstGradients(c: ExperimentConfig): number[] {
  c.task = { ...c.task, dataset: raw.name, trainLimit: 100, testLimit: 10 } as typeof c.task;
  const trainer = new Trainer(c, { epochs: 1, data: buildTaskData(c, raw) });
  trainer.net.zeroGrad();
  trainer.accumulateGradients(Array.from(trainer.data.train).slice(0, 32), 32);
  return trainer.net.synapses.map((s, l) => {
    const g = c.network.layers[l]!.trainDelays ? s.gradDelays : s.gradWeights;
    let largest = 0;
    for (const v of g) largest = Math.max(largest, Math.abs(v));
    return largest;
  });
}

// Adam moves a parameter by about lr only where |gradient| is well above its epsilon; below it
// the steps shrink towards zero and training stalls.
const ADAM_EPSILON = 1e-8;

describe('the delay-only experiments start where gradients flow (built-in digits)', () => {
  it.each(Object.keys(DELAY_ONLY_PRESETS))('%s: every layer gets a gradient above Adam epsilon', (name) => {
    const c = preset(name)!;
    expect(c.optimizer.epsilon).toBe(ADAM_EPSILON);
    for (const [l, g] of firstGradients(c).entries()) expect(g, `layer ${l}`).toBeGreaterThan(ADAM_EPSILON);
  });

  it("the authors'-code weight baseline with every delay at 0 would not: why it keeps U(0, 4)", () => {
    const c = preset('weights-only-fashion-authors-code')!;
    for (const l of c.network.layers) l.delayInit = { kind: 'uniform', low: 0, high: 1 };
    for (const g of firstGradients(c)) expect(g).toBeLessThan(ADAM_EPSILON);
  });
});
