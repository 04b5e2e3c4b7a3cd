/**
 * GPU-vs-CPU parity of whole training steps at a preset's real layer shapes, on random input
 * spikes of the preset's shape: the GpuTrainer and the CPU Trainer (float32) from the same seed,
 * compared by loss at every step and by every trained tensor's gradient at the first step.
 * Shared by the SwiftShader test (presetShapes.gpu.test.ts, small batch, time steps capped) and
 * the real-GPU check (bench/gpu-machine/parity.ts, full time steps and batches large enough to
 * need two-dimensional dispatch).
 *
 * Later gradients are not compared element by element: Adam's first steps move each parameter
 * by about the learning rate times the sign of its gradient, so a gradient within float32 noise
 * of 0 may move its parameter either way, and a lerp delay that then crosses an integer has
 * another gradient.
 */
import type { ExperimentConfig } from '../../core/experiment.ts';
import { PRESETS } from '../../core/presets.ts';
import { Trainer } from '../../core/trainer.ts';
import type { GpuContext } from '../device.ts';
import { GpuTrainer } from '../engine/GpuTrainer.ts';

/** A loss agrees when |gpu - cpu| <= LOSS_TOLERANCE * (1 + |cpu|). */
export const LOSS_TOLERANCE = 1e-3;
/** A gradient agrees when max |gpu - cpu| <= GRADIENT_TOLERANCE * max |cpu| (see worstRelative). */
export const GRADIENT_TOLERANCE = 1e-3;

/**
 * The preset with its layers untouched, on random spikes, `batch` samples per step and its time
 * steps capped at `maxTimeSteps` (Infinity keeps them).
 */
export function atPresetShape(name: string, batch: number, maxTimeSteps: number): ExperimentConfig {
  const base = PRESETS[name];
  if (!base) throw new Error(`no preset '${name}'`);
  const config = structuredClone(base);
  const layers = config.network.layers;
  config.network.timeSteps = Math.min(config.network.timeSteps, maxTimeSteps);
  // Image presets: one spike at t = 0 on about 19 % of the pixels (as thresholded digits);
  // the others: Bernoulli(0.08) spikes at every step.
  const images = config.task.kind === 'images';
  config.task = {
    kind: 'randomSpikes',
    samples: 2 * batch,
    classes: layers.at(-1)!.size,
    rate: images ? 0.19 : 0.08,
    firstStepOnly: images,
  };
  config.training = { ...config.training, batchSize: batch, validationFraction: 0, epochs: 1 };
  return config;
}

/** Largest |gpu - cpu| over a tensor, relative to its largest |cpu| (the float32 sums' scale). */
export function worstRelative(gpu: ArrayLike<number>, cpu: ArrayLike<number>): number {
  if (gpu.length !== cpu.length) return Infinity;
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

export interface GradientAgreement {
  layer: number;
  what: 'weights' | 'delays';
  worstRelative: number;
  /** Whether the CPU gradient has a non-zero element (else the comparison says little). */
  nonZero: boolean;
}

export interface PresetParity {
  preset: string;
  /** inputs-hidden-...-outputs */
  shape: string;
  batch: number;
  timeSteps: number;
  losses: { cpu: number; gpu: number }[];
  /** Every trained tensor's gradient after the first step. */
  gradients: GradientAgreement[];
  /** Wall time of the GPU's steps and of the CPU's, ms. */
  gpuMs: number;
  cpuMs: number;
}

/** Whether every loss and gradient is within tolerance and some gradient is non-zero. */
export function parityHolds(p: PresetParity): boolean {
  return (
    p.losses.every(
      ({ cpu, gpu }) => Number.isFinite(cpu) && Math.abs(gpu - cpu) <= LOSS_TOLERANCE * (1 + Math.abs(cpu)),
    ) &&
    p.gradients.every((g) => g.worstRelative <= GRADIENT_TOLERANCE) &&
    p.gradients.some((g) => g.nonZero)
  );
}

/** `steps` training steps of `config` on both engines, from the same seed, on samples 0..batch-1. */
export async function presetParity(
  ctx: GpuContext,
  name: string,
  config: ExperimentConfig,
  steps: number,
): Promise<PresetParity> {
  const batchSize = config.training.batchSize;
  const batch = Array.from({ length: batchSize }, (_, k) => k);
  const cpu = new Trainer(config, { precision: 'f32' });
  const gpu = new GpuTrainer(ctx, config);
  const losses: { cpu: number; gpu: number }[] = [];
  const gradients: GradientAgreement[] = [];
  let [gpuMs, cpuMs] = [0, 0];
  try {
    for (let s = 0; s < steps; s++) {
      let t0 = performance.now();
      const want = cpu.trainStep(batch);
      cpuMs += performance.now() - t0;
      t0 = performance.now();
      const got = await gpu.trainStep(batch);
      gpuMs += performance.now() - t0;
      losses.push({ cpu: want, gpu: got });
      if (s > 0) continue;
      const grads = await gpu.readGradients();
      config.network.layers.forEach((layerConfig, l) => {
        const synapses = cpu.net.synapses[l]!;
        const pairs: [GradientAgreement['what'], boolean, Float32Array, ArrayLike<number>][] = [
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
          gradients.push({
            layer: l,
            what,
            worstRelative: worstRelative(onGpu, onCpu),
            nonZero: Array.from(onCpu).some((g) => g !== 0),
          });
        }
      });
    }
  } finally {
    gpu.destroy();
  }
  const layers = config.network.layers;
  return {
    preset: name,
    shape: [config.network.inputs, ...layers.map((l) => l.size)].join('-'),
    batch: batchSize,
    timeSteps: config.network.timeSteps,
    losses,
    gradients,
    gpuMs,
    cpuMs,
  };
}
