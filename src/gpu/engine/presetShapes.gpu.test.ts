/**
 * GPU parity at every preset's real layer shapes: two training steps of each built-in preset on
 * the GPU engine and on the CPU engine from the same seed give the same losses, and the first
 * step the same gradients. (Later gradients and the parameters are not compared element by
 * element: Adam's first steps move each parameter by about the learning rate times the sign of its
 * gradient, so a gradient within float32 noise of 0 may move its parameter either way, and a lerp
 * delay that then crosses an integer has another gradient; the GpuTrainer test compares
 * parameters over 20 steps of smaller nets.)
 * Only the batch (2 samples) and, where SwiftShader would take minutes, the time steps (at most
 * 30) shrink; the layer sizes, kernels, neurons, losses and optimiser stay the preset's own. The
 * data is random input spikes of the preset's shape (the real files are not needed for parity).
 * On a real adapter (Dawn; SwiftShader without a GPU); no adapter fails the test.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../core/presets.ts';
import { atPresetShape, GRADIENT_TOLERANCE, LOSS_TOLERANCE, presetParity } from '../check/presetParity.ts';
import { useGpuDevice } from '../testDevice.ts';
import { gpuUnsupportedReason } from './GpuEngine.ts';

const fixture = useGpuDevice();

const BATCH = 2;
const STEPS = 2;
const MAX_TIME_STEPS = 30;

describe('GPU parity at the presets’ layer shapes', () => {
  // The presets the GPU engine refuses (EventProp), with the reason.
  const refused = Object.keys(PRESETS).filter((name) => gpuUnsupportedReason(PRESETS[name]!) !== null);
  const names = Object.keys(PRESETS).filter(
    (name) => PRESETS[name]!.task.kind !== 'toy' && !refused.includes(name),
  );
  it('covers every preset the GPU engine takes but the toy-task ones (whose task the GpuTrainer test runs)', () => {
    const toys = Object.keys(PRESETS).filter((name) => PRESETS[name]!.task.kind === 'toy');
    expect(toys.sort()).toEqual(['toy', 'toy-far']);
    expect(names.length).toBe(Object.keys(PRESETS).length - toys.length - refused.length);
  });

  it('the presets it refuses are the EventProp ones, each with the reason', () => {
    expect(refused.sort()).toEqual(['eventprop-shd', 'eventprop-yinyang', 'eventprop-yinyang-fixed-delays']);
    for (const name of refused)
      expect(gpuUnsupportedReason(PRESETS[name]!)).toMatch(/BPTT only; EventProp runs on the CPU engine/);
  });

  for (const name of names) {
    const layers = PRESETS[name]!.network.layers;
    const shape = [PRESETS[name]!.network.inputs, ...layers.map((l) => l.size)].join('-');
    it(`${name} (${shape}, ${layers[0]!.kernel.mode}, ${layers[0]!.neuron.model}): ${STEPS} steps match`, async () => {
      fixture.ctx.device.pushErrorScope('validation');
      const p = await presetParity(fixture.ctx, name, atPresetShape(name, BATCH, MAX_TIME_STEPS), STEPS);
      p.losses.forEach(({ cpu, gpu }, s) => {
        expect(Number.isFinite(cpu)).toBe(true);
        expect(Math.abs(gpu - cpu), `loss at step ${s}: gpu ${gpu}, cpu ${cpu}`).toBeLessThanOrEqual(
          LOSS_TOLERANCE * (1 + Math.abs(cpu)),
        );
      });
      expect(p.losses.length).toBe(STEPS);
      for (const g of p.gradients) {
        expect(g.worstRelative, `step 0, layer ${g.layer}, dL/d${g.what}`).toBeLessThanOrEqual(
          GRADIENT_TOLERANCE,
        );
      }
      // Something trains and has a gradient: the comparison is not between two idle runs.
      expect(p.gradients.filter((g) => g.nonZero).length, 'tensors with a non-zero gradient').toBeGreaterThan(
        0,
      );
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
    });
  }

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
