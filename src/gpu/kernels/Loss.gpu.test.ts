/**
 * Parity of the WGSL losses with computeLoss (src/core/train/losses.ts), every loss kind, on a
 * real WebGPU adapter (Dawn; SwiftShader without a GPU). No adapter fails the test.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { maxAbs } from '../../core/tensor.ts';
import { computeLoss, type LossConfig, type Targets } from '../../core/train/losses.ts';
import { GpuLoss } from './Loss.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const BATCH = 5;
const STEPS = 20;
const OUTPUTS = 4;

const CASES: [LossConfig, 'labels' | 'spikeTimes'][] = [
  [{ kind: 'ceSumMembrane' }, 'labels'],
  [{ kind: 'ceMaxMembrane' }, 'labels'],
  [{ kind: 'spikeCount', trueRate: 0.5, falseRate: 0.05 }, 'labels'],
  [{ kind: 'spikeTime', traceTauSteps: 4, targetSteps: null }, 'labels'],
  [{ kind: 'spikeTime', traceTauSteps: 0, targetSteps: null }, 'spikeTimes'],
  [{ kind: 'spikeTime', traceTauSteps: 2, targetSteps: 6 }, 'labels'],
  [{ kind: 'spikeTime', traceTauSteps: 3, traceKernel: 'alpha', targetSteps: null }, 'labels'],
  [{ kind: 'spikeTime', traceTauSteps: 5, traceKernel: 'alpha', targetSteps: 4 }, 'spikeTimes'],
  [{ kind: 'firstSpikeTime', timeScale: 10, silentMargin: 1.2 }, 'spikeTimes'],
];

describe('losses.wgsl', () => {
  for (const [loss, targetKind] of CASES) {
    it(`matches computeLoss: ${loss.kind}${loss.kind === 'spikeTime' && loss.traceKernel === 'alpha' ? ' (alpha kernel)' : ''}${loss.kind === 'spikeTime' && loss.targetSteps ? ` (window ${loss.targetSteps})` : ''} with ${targetKind}`, async () => {
      const rng = new Rng(9);
      const size = BATCH * STEPS * OUTPUTS;
      // Membranes rise towards the threshold at different speeds, so some outputs cross it and
      // some stay silent (both first-spike branches); spikes where the membrane is above it.
      const membrane = new Float32Array(size);
      const spikes = new Float32Array(size);
      for (let b = 0; b < BATCH; b++) {
        for (let j = 0; j < OUTPUTS; j++) {
          const slope = rng.uniformIn(0, 0.12);
          for (let t = 0; t < STEPS; t++) {
            const q = (b * STEPS + t) * OUTPUTS + j;
            membrane[q] = slope * t + rng.normal(0, 0.05);
            spikes[q] = membrane[q]! >= 1 ? 1 : 0;
          }
        }
      }
      const targets: Targets =
        targetKind === 'labels'
          ? { kind: 'labels', labels: Int32Array.from({ length: BATCH }, () => rng.int(OUTPUTS)) }
          : {
              kind: 'spikeTimes',
              times: Float64Array.from({ length: BATCH * OUTPUTS }, () => 2 + rng.int(STEPS - 3)),
            };
      const cpu = computeLoss(
        loss,
        { membrane, spikes, batch: BATCH, timeSteps: STEPS, outputs: OUTPUTS, threshold: 1 },
        targets,
        'f64',
      );

      fixture.ctx.device.pushErrorScope('validation');
      const gpuLoss = new GpuLoss(fixture.ctx.device, loss, OUTPUTS, STEPS, targetKind === 'labels');
      const got = await gpuLoss.run(membrane, spikes, targets, BATCH, 1);
      expect((await fixture.ctx.device.popErrorScope())?.message ?? null).toBeNull();

      expect(Math.abs(got.loss - cpu.loss)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(cpu.loss));
      expect(cpu.loss).toBeGreaterThan(0);
      const want = got.gradIsMembrane ? cpu.gradMembrane! : cpu.gradSpikes!;
      expect(want).not.toBeNull();
      const scale = maxAbs(want);
      expect(scale).toBeGreaterThan(0);
      for (let q = 0; q < size; q++) {
        expect(Math.abs(got.grad[q]! - want[q]!), `grad[${q}]`).toBeLessThanOrEqual(
          1e-5 * scale + 1e-4 * Math.abs(want[q]!),
        );
      }
    });
  }
});
