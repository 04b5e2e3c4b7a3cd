import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../core/presets.ts';
import { atPresetShape, parityHolds, worstRelative, type PresetParity } from './presetParity.ts';

describe('preset parity helpers', () => {
  it('worstRelative scales by the largest CPU value, floors the scale at 1e-3, and flags NaN and length mismatches', () => {
    expect(worstRelative([1, 2.02], [1, 2])).toBeCloseTo(0.01, 12);
    // An all-zero reference: the GPU's values are judged against 1e-3.
    expect(worstRelative([1e-6, 0], [0, 0])).toBeCloseTo(1e-3, 12);
    expect(worstRelative([Number.NaN], [1])).toBe(Infinity);
    expect(worstRelative([1, 2], [1])).toBe(Infinity);
  });

  it('atPresetShape keeps the layers, sets the batch and caps the time steps', () => {
    const config = atPresetShape('shd-bench', 7, 30);
    expect(config.network.layers).toEqual(PRESETS['shd-bench']!.network.layers);
    expect(config.training.batchSize).toBe(7);
    expect(config.network.timeSteps).toBe(30);
    expect(config.task).toMatchObject({
      kind: 'randomSpikes',
      samples: 14,
      rate: 0.08,
      firstStepOnly: false,
    });
    expect(atPresetShape('delay-only-fashion', 2, Infinity).task).toMatchObject({
      rate: 0.19,
      firstStepOnly: true,
    });
    expect(atPresetShape('shd', 2, Infinity).network.timeSteps).toBe(PRESETS['shd']!.network.timeSteps);
    expect(() => atPresetShape('no-such-preset', 2, 30)).toThrow(/no preset/);
  });

  it('parityHolds needs every loss and gradient within tolerance and some gradient that is not zero', () => {
    const base: PresetParity = {
      preset: 'p',
      shape: '1-1',
      batch: 1,
      timeSteps: 1,
      losses: [{ cpu: 2, gpu: 2.002 }],
      gradients: [{ layer: 0, what: 'weights', worstRelative: 1e-4, nonZero: true }],
      gpuMs: 0,
      cpuMs: 0,
    };
    expect(parityHolds(base)).toBe(true);
    expect(parityHolds({ ...base, losses: [{ cpu: 2, gpu: 2.01 }] })).toBe(false);
    expect(parityHolds({ ...base, losses: [{ cpu: Number.NaN, gpu: Number.NaN }] })).toBe(false);
    expect(parityHolds({ ...base, gradients: [{ ...base.gradients[0]!, worstRelative: 2e-3 }] })).toBe(false);
    expect(parityHolds({ ...base, gradients: [{ ...base.gradients[0]!, nonZero: false }] })).toBe(false);
  });
});
