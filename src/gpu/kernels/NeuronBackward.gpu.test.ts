/**
 * Parity of the WGSL neuron backward passes through time (LIF, SRM) with the CPU reference
 * engine, on a real WebGPU adapter (Dawn in Node; SwiftShader on machines without a GPU). No
 * adapter is a failure, never a skip.
 *
 * The CPU layer runs its forward pass in f64 on seeded random currents at a moderate spike rate;
 * its own record (membrane, spikes), rounded to f32, and seeded random output gradients go to
 * the GPU kernel, and the GPU's dL/dcurrent is compared with the CPU layer's backward on the
 * same gradients. Both sides see the same spike train, so there are no near-tie splits here:
 * every value of every trajectory is compared.
 */
import { describe, expect, it } from 'vitest';
import { LifLayer, type LifConfig } from '../../core/neurons/lif.ts';
import { SrmLayer, type SrmConfig } from '../../core/neurons/srm.ts';
import type { SurrogateConfig } from '../../core/neurons/surrogates.ts';
import type { NeuronLayer } from '../../core/neurons/types.ts';
import { Rng } from '../../core/rng.ts';
import { NeuronBackward } from './NeuronBackward.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

// 5 x 23 = 115 invocations: two workgroups, the second one partly idle.
const NEURONS = 23;
const STEPS = 80;
const BATCH = 5;
const DT_MS = 1;

const arctan: SurrogateConfig = { kind: 'arctan', alpha: 2 };
const fastSigmoid: SurrogateConfig = { kind: 'fastSigmoid', alpha: 4 };
const slayerExp: SurrogateConfig = { kind: 'slayerExp', alpha: 3 };
/**
 * Gentler surrogates for SRM through its refractory response (detachReset false). There each
 * step feeds dL/ds back with gain up to |refScale| * refDecay * alpha / 2 (about 1.65 alpha
 * here), so with alpha = 2 the adjoint itself blows up (gradients of 1e2 to 4e4 from O(1) output
 * gradients, in f64 as in f32), and at the points where it crosses zero the f32 rounding of those
 * large terms exceeds the per-element tolerance for about one seed in five. That is f32
 * arithmetic, not the kernel: with alpha = 1 the worst error is below a tenth of the tolerance.
 */
const srmArctan: SurrogateConfig = { kind: 'arctan', alpha: 1 };
const srmFastSigmoid: SurrogateConfig = { kind: 'fastSigmoid', alpha: 1 };

function lif(
  reset: LifConfig['reset'],
  spiking: boolean,
  surrogate: SurrogateConfig,
  detachReset: boolean,
): LifConfig {
  return { model: 'lif', tauMs: 8, threshold: 1, reset, spiking, surrogate, detachReset };
}

function srm(spiking: boolean, surrogate: SurrogateConfig, detachReset: boolean): SrmConfig {
  return {
    model: 'srm',
    tauSynMs: 4,
    tauRefMs: 2,
    threshold: 1,
    refractoryScale: 2,
    spiking,
    surrogate,
    detachReset,
  };
}

interface Case {
  name: string;
  config: LifConfig | SrmConfig;
  /** Mean and standard deviation of the Gaussian input current. */
  mean: number;
  std: number;
  /** Which output gradients are given (an absent one is null on both sides). */
  gradSpikes: boolean;
  gradMembrane: boolean;
}

const cases: Case[] = [
  {
    name: 'LIF, hard reset, arctan, detached',
    config: lif('hard', true, arctan, true),
    mean: 1.1,
    std: 2,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    name: 'LIF, soft reset, fast sigmoid, not detached',
    config: lif('soft', true, fastSigmoid, false),
    mean: 1.1,
    std: 2,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    // dL/dspikes is given and must be ignored, as on the CPU.
    name: 'LIF, non-spiking readout',
    config: lif('hard', false, arctan, true),
    mean: 0.6,
    std: 2,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    name: 'SRM, SLAYER exponential, detached',
    config: srm(true, slayerExp, true),
    mean: 0.15,
    std: 0.4,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    name: 'SRM, arctan, not detached',
    config: srm(true, srmArctan, false),
    mean: 0.15,
    std: 0.4,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    name: 'SRM, non-spiking readout',
    config: srm(false, arctan, true),
    mean: 0.1,
    std: 0.4,
    gradSpikes: true,
    gradMembrane: true,
  },
  {
    // The whole gradient comes from dL/dmembrane, through the hard reset's surrogate term.
    name: 'LIF, hard reset, SLAYER exponential, not detached, no dL/dspikes',
    config: lif('hard', true, slayerExp, false),
    mean: 1.1,
    std: 2,
    gradSpikes: false,
    gradMembrane: true,
  },
  {
    // A hidden layer's usual call: dL/dspikes only.
    name: 'SRM, fast sigmoid, not detached, no dL/dmembrane',
    config: srm(true, srmFastSigmoid, false),
    mean: 0.15,
    std: 0.4,
    gradSpikes: true,
    gradMembrane: false,
  },
];

function cpuLayer(config: LifConfig | SrmConfig): NeuronLayer {
  return config.model === 'lif'
    ? new LifLayer(NEURONS, config, DT_MS, 'f64')
    : new SrmLayer(NEURONS, config, DT_MS, 'f64');
}

function tolerance(cpu: number): number {
  return 1e-5 + 1e-4 * Math.abs(cpu);
}

describe('lif_backward.wgsl and srm_backward.wgsl', () => {
  it('runs on a real adapter', () => {
    expect(fixture.ctx.device).toBeDefined();
    expect(typeof fixture.ctx.adapterInfo.vendor).toBe('string');
  });

  for (const [caseIndex, c] of cases.entries()) {
    it(`matches the CPU engine: ${c.name} (|gpu - cpu| <= 1e-5 + 1e-4 |cpu|)`, async () => {
      const rng = new Rng(301 + caseIndex);
      const total = BATCH * STEPS * NEURONS;
      const current = new Float64Array(total);
      for (let q = 0; q < total; q++) current[q] = rng.normal(c.mean, c.std);
      const gaussian = (): Float32Array => {
        const g = new Float32Array(total);
        for (let q = 0; q < total; q++) g[q] = rng.normal(0, 1);
        return g;
      };
      // Drawn even when absent, so that each case's stream does not depend on the flags.
      const gradSpikes = gaussian();
      const gradMembrane = gaussian();
      const gs = c.gradSpikes ? gradSpikes : null;
      const gm = c.gradMembrane ? gradMembrane : null;
      const gs64 = gs && Float64Array.from(gs);
      const gm64 = gm && Float64Array.from(gm);

      const cpu = cpuLayer(c.config);
      const record = cpu.forward(current, BATCH, STEPS);
      const expected = cpu.backward(gs64, gm64);

      fixture.ctx.device.pushErrorScope('validation');
      const kernel = new NeuronBackward(fixture.ctx.device, {
        neurons: NEURONS,
        timeSteps: STEPS,
        dtMs: DT_MS,
        config: c.config,
      });
      const got = await kernel.run(
        {
          membrane: Float32Array.from(record.membrane),
          spikes: Float32Array.from(record.spikes),
          gradSpikes: gs,
          gradMembrane: gm,
        },
        BATCH,
      );
      const error = await fixture.ctx.device.popErrorScope();
      expect(error?.message ?? null).toBeNull();

      expect(got.length).toBe(total);
      expect(expected.length).toBe(total);
      for (let b = 0; b < BATCH; b++) {
        for (let t = 0; t < STEPS; t++) {
          for (let j = 0; j < NEURONS; j++) {
            const q = (b * STEPS + t) * NEURONS + j;
            const want = expected[q]!;
            const tol = tolerance(want);
            if (!(Math.abs(got[q]! - want) <= tol)) {
              expect.fail(
                `gradCurrent at b=${b} t=${t} j=${j}: gpu ${got[q]} cpu ${want} (tolerance ${tol})`,
              );
            }
          }
        }
      }

      // The comparison must be able to fail: the gradients are far from zero almost everywhere.
      let large = 0;
      let maxAbs = 0;
      for (const g of expected) {
        if (Math.abs(g) > 1e-3) large++;
        maxAbs = Math.max(maxAbs, Math.abs(g));
      }
      expect(large).toBeGreaterThan(0.5 * total);
      expect(maxAbs).toBeGreaterThan(0.1);

      let spikeCount = 0;
      for (const s of record.spikes) spikeCount += s;
      if (c.config.spiking) {
        // A moderate rate: the surrogate and reset paths are exercised, and far from saturated.
        expect(spikeCount).toBeGreaterThan(0.03 * total);
        expect(spikeCount).toBeLessThan(0.5 * total);
        // The reset's gradient matters on this data: the same layer with detachReset flipped
        // gives gradients well outside the tolerance, so the kernel cannot pass with the
        // switch ignored.
        const flipped = cpuLayer({ ...c.config, detachReset: !c.config.detachReset });
        flipped.forward(current, BATCH, STEPS);
        const other = flipped.backward(gs64, gm64);
        let outside = 0;
        for (let q = 0; q < total; q++) {
          if (Math.abs(other[q]! - expected[q]!) > 100 * tolerance(expected[q]!)) outside++;
        }
        expect(outside).toBeGreaterThan(0.05 * total);
      } else {
        expect(spikeCount).toBe(0);
      }
    });
  }

  it('rejects an input of the wrong length', async () => {
    fixture.ctx.device.pushErrorScope('validation');
    const kernel = new NeuronBackward(fixture.ctx.device, {
      neurons: NEURONS,
      timeSteps: STEPS,
      dtMs: DT_MS,
      config: lif('hard', true, arctan, true),
    });
    const total = 2 * STEPS * NEURONS;
    const full = new Float32Array(total);
    await expect(
      kernel.run(
        { membrane: full, spikes: full, gradSpikes: new Float32Array(total - 1), gradMembrane: null },
        2,
      ),
    ).rejects.toThrow(/gradSpikes has .* expected/);
    const error = await fixture.ctx.device.popErrorScope();
    expect(error?.message ?? null).toBeNull();
  });

  it('reports no uncaptured errors or device loss during the tests', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
