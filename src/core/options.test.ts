import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EncoderConfig } from './data/encoders.ts';
import type { DelayInit, NeuronConfig, TaskConfig, WeightInit } from './experiment.ts';
import {
  DELAY_INITS,
  DELAY_ROUNDINGS,
  ENCODERS,
  HARDWARE_BACKWARDS,
  KERNEL_MODES,
  LIF_RESETS,
  LOSSES,
  LR_SCHEDULES,
  NEURON_MODELS,
  optionFor,
  optionValues,
  READOUTS,
  SIGMA_SCHEDULES,
  SURROGATES,
  TASKS,
  WEIGHT_INITS,
  type Option,
  type OptionValue,
} from './options.ts';
import type { LossConfig } from './train/losses.ts';
import type { LrSchedule } from './train/schedules.ts';

const ALL: Record<string, readonly Option<string>[]> = {
  KERNEL_MODES,
  HARDWARE_BACKWARDS,
  DELAY_ROUNDINGS,
  NEURON_MODELS,
  LIF_RESETS,
  SURROGATES,
  LOSSES,
  READOUTS,
  ENCODERS,
  TASKS,
  WEIGHT_INITS,
  DELAY_INITS,
  SIGMA_SCHEDULES,
  LR_SCHEDULES,
};

describe('options', () => {
  it('each list has distinct values, and a label and help text for each', () => {
    for (const [name, options] of Object.entries(ALL)) {
      expect(new Set(optionValues(options)).size, name).toBe(options.length);
      for (const o of options) {
        expect(o.label.trim(), `${name}.${o.value}`).not.toBe('');
        expect(o.help.trim().length, `${name}.${o.value}`).toBeGreaterThan(10);
      }
    }
  });

  it('the hardware backward borrows the kernel modes’ own words', () => {
    expect(HARDWARE_BACKWARDS).toEqual([optionFor(KERNEL_MODES, 'gauss'), optionFor(KERNEL_MODES, 'lerp')]);
  });

  it('lists of discriminated-union kinds name every kind of their union, no more (checked by tsc)', () => {
    expectTypeOf<OptionValue<typeof LOSSES>>().toEqualTypeOf<LossConfig['kind']>();
    expectTypeOf<OptionValue<typeof ENCODERS>>().toEqualTypeOf<EncoderConfig['kind']>();
    expectTypeOf<OptionValue<typeof TASKS>>().toEqualTypeOf<TaskConfig['kind']>();
    expectTypeOf<OptionValue<typeof WEIGHT_INITS>>().toEqualTypeOf<WeightInit['kind']>();
    expectTypeOf<OptionValue<typeof DELAY_INITS>>().toEqualTypeOf<DelayInit['kind']>();
    expectTypeOf<OptionValue<typeof NEURON_MODELS>>().toEqualTypeOf<NeuronConfig['model']>();
    expectTypeOf<OptionValue<typeof LR_SCHEDULES>>().toEqualTypeOf<LrSchedule['kind']>();
  });
});
