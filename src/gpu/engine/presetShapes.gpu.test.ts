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
import type { ExperimentConfig } from '../../core/experiment.ts';
import { PRESETS } from '../../core/presets.ts';
import { Trainer } from '../../core/trainer.ts';
import { useGpuDevice } from '../testDevice.ts';
import { gpuUnsupportedReason } from './GpuEngine.ts';
import { GpuTrainer } from './GpuTrainer.ts';

const fixture = useGpuDevice();

const BATCH = 2;
const STEPS = 2;
const MAX_TIME_STEPS = 30;

/** The preset with its layers untouched, on random spikes, batch 2, time steps capped at 30. */
function atPresetShape(name: string): ExperimentConfig {
  const config = structuredClone(PRESETS[name]!);
  const layers = config.network.layers;
  config.network.timeSteps = Math.min(config.network.timeSteps, MAX_TIME_STEPS);
  // Image presets: one spike at t = 0 on about 19 % of the pixels (as thresholded digits);
  // the others: Bernoulli(0.08) spikes at every step.
  const images = config.task.kind === 'images';
  config.task = {
    kind: 'randomSpikes',
    samples: 2 * BATCH,
    classes: layers.at(-1)!.size,
    rate: images ? 0.19 : 0.08,
    firstStepOnly: images,
  };
  config.training = { ...config.training, batchSize: BATCH, validationFraction: 0, epochs: 1 };
  return config;
}

/** Largest |gpu - cpu| over a tensor, relative to its largest |cpu| (the float32 sums' scale). */
function worstRelative(gpu: ArrayLike<number>, cpu: ArrayLike<number>): number {
  // An all-zero CPU gradient must be (all but) zero on the GPU too.
  let scale = 1e-3;
  for (let q = 0; q < cpu.length; q++) scale = Math.max(scale, Math.abs(cpu[q]!));
  let worst = 0;
  for (let q = 0; q < gpu.length; q++) {
    const e = Math.abs(gpu[q]! - cpu[q]!) / scale;
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

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
      const config = atPresetShape(name);
      const batch = Array.from({ length: BATCH }, (_, k) => k);
      const cpu = new Trainer(config, { precision: 'f32' });
      fixture.ctx.device.pushErrorScope('validation');
      const gpu = new GpuTrainer(fixture.ctx, config);
      try {
        for (let s = 0; s < STEPS; s++) {
          const want = cpu.trainStep(batch);
          const got = await gpu.trainStep(batch);
          expect(Number.isFinite(want)).toBe(true);
          expect(Math.abs(got - want), `loss at step ${s}: gpu ${got}, cpu ${want}`).toBeLessThanOrEqual(
            1e-3 * (1 + Math.abs(want)),
          );
          if (s > 0) continue;
          const grads = await gpu.readGradients();
          let compared = 0;
          config.network.layers.forEach((layerConfig, l) => {
            const synapses = cpu.net.synapses[l]!;
            const pairs: [string, boolean, Float32Array, ArrayLike<number>][] = [
              ['weights', layerConfig.trainWeights, grads[l]!.weights, synapses.gradWeights],
              [
                'delays',
                layerConfig.trainDelays && synapses.computeDelayGrad,
                grads[l]!.delays,
                synapses.gradDelays,
              ],
            ];
            for (const [what, trained, onGpu, onCpu] of pairs) {
              if (!trained) continue;
              if (Array.from(onCpu).some((g) => g !== 0)) compared++;
              expect(worstRelative(onGpu, onCpu), `step ${s}, layer ${l}, dL/d${what}`).toBeLessThanOrEqual(
                1e-3,
              );
            }
          });
          // Something trains and has a gradient: the comparison is not between two idle runs.
          expect(compared, 'tensors with a non-zero gradient').toBeGreaterThan(0);
        }
        expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();
      } finally {
        gpu.destroy();
      }
    });
  }

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
