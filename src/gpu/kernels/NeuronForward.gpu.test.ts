/**
 * Parity of the WGSL neuron forward passes (LIF, SRM) with the CPU reference engine in
 * 'heaviside' spike mode, on a real WebGPU adapter (Dawn in Node; SwiftShader on machines
 * without a GPU). No adapter is a failure, never a skip.
 *
 * The GPU runs in f32, the CPU reference in f64 on the same f32 input. A membrane within float
 * noise of the threshold may spike on one side and not the other, and from then on the two
 * trajectories of that neuron legitimately differ (reset, refractory response); such a near-tie
 * ends the comparison of that neuron's trajectory and is counted, and the count must stay small.
 */
import { describe, expect, it } from 'vitest';
import { LifLayer, type LifConfig } from '../../core/neurons/lif.ts';
import { SrmLayer, type SrmConfig } from '../../core/neurons/srm.ts';
import type { NeuronLayer } from '../../core/neurons/types.ts';
import { Rng } from '../../core/rng.ts';
import { NeuronForward } from './NeuronForward.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

// 5 x 23 = 115 invocations: two workgroups, the second one partly idle.
const NEURONS = 23;
const STEPS = 80;
const BATCH = 5;
const DT_MS = 1;
/** |cpu membrane - threshold| below this is a near-tie: the spike may go either way. */
const TIE = 1e-4;

const surrogate = { kind: 'arctan', alpha: 2 } as const;

function lif(reset: LifConfig['reset'], spiking: boolean): LifConfig {
  return { model: 'lif', tauMs: 8, threshold: 1, reset, spiking, surrogate, detachReset: true };
}

function srm(spiking: boolean): SrmConfig {
  return {
    model: 'srm',
    tauSynMs: 4,
    tauRefMs: 2,
    threshold: 1,
    refractoryScale: 2,
    spiking,
    surrogate,
    detachReset: true,
  };
}

interface Case {
  name: string;
  config: LifConfig | SrmConfig;
  /** Mean and standard deviation of the Gaussian input current. */
  mean: number;
  std: number;
}

const cases: Case[] = [
  { name: 'LIF, hard reset', config: lif('hard', true), mean: 1.1, std: 2 },
  { name: 'LIF, soft reset', config: lif('soft', true), mean: 1.1, std: 2 },
  { name: 'LIF, non-spiking readout', config: lif('hard', false), mean: 0.6, std: 2 },
  { name: 'SRM, spiking', config: srm(true), mean: 0.15, std: 0.4 },
  {
    name: 'SRM, spiking, alpha refractory',
    config: { ...srm(true), refractoryKernel: 'alpha' },
    mean: 0.15,
    std: 0.4,
  },
  { name: 'SRM, non-spiking', config: srm(false), mean: 0.1, std: 0.4 },
];

function cpuLayer(config: LifConfig | SrmConfig): NeuronLayer {
  return config.model === 'lif'
    ? new LifLayer(NEURONS, config, DT_MS, 'f64')
    : new SrmLayer(NEURONS, config, DT_MS, 'f64');
}

describe('lif_forward.wgsl and srm_forward.wgsl', () => {
  it('runs on a real adapter', () => {
    expect(fixture.ctx.device).toBeDefined();
    expect(typeof fixture.ctx.adapterInfo.vendor).toBe('string');
  });

  for (const [caseIndex, c] of cases.entries()) {
    it(`matches the CPU engine: ${c.name} (|gpu - cpu| <= 1e-5 + 1e-4 |cpu|, spikes exact)`, async () => {
      const rng = new Rng(101 + caseIndex);
      const current = new Float32Array(BATCH * STEPS * NEURONS);
      for (let q = 0; q < current.length; q++) current[q] = rng.normal(c.mean, c.std);
      const cpu = cpuLayer(c.config);
      const expected = cpu.forward(Float64Array.from(current), BATCH, STEPS);

      fixture.ctx.device.pushErrorScope('validation');
      const kernel = new NeuronForward(fixture.ctx.device, {
        neurons: NEURONS,
        timeSteps: STEPS,
        dtMs: DT_MS,
        config: c.config,
      });
      const got = await kernel.run(current, BATCH);
      const error = await fixture.ctx.device.popErrorScope();
      expect(error?.message ?? null).toBeNull();

      expect(got.membrane.length).toBe(expected.membrane.length);
      expect(got.spikes.length).toBe(expected.spikes.length);
      const theta = c.config.threshold;
      let compared = 0;
      let cpuSpikes = 0;
      let aboveThreshold = 0;
      let nearTies = 0;
      let splitTrajectories = 0;
      for (let b = 0; b < BATCH; b++) {
        for (let j = 0; j < NEURONS; j++) {
          for (let t = 0; t < STEPS; t++) {
            const q = (b * STEPS + t) * NEURONS + j;
            const want = expected.membrane[q]!;
            const wantSpike = expected.spikes[q]!;
            const gotSpike = got.spikes[q]!;
            const nearTie = Math.abs(want - theta) <= TIE;
            if (nearTie) nearTies++;
            const tol = 1e-5 + 1e-4 * Math.abs(want);
            if (Math.abs(got.membrane[q]! - want) > tol) {
              expect.fail(
                `membrane at b=${b} t=${t} j=${j}: gpu ${got.membrane[q]} cpu ${want} (tolerance ${tol})`,
              );
            }
            if (gotSpike !== wantSpike) {
              if (!nearTie) {
                expect.fail(
                  `spike at b=${b} t=${t} j=${j}: gpu ${gotSpike} cpu ${wantSpike}, cpu membrane ${want}`,
                );
              }
              // A legitimate split: the rest of this trajectory follows a different spike train.
              splitTrajectories++;
              break;
            }
            compared++;
            cpuSpikes += wantSpike;
            if (want >= theta) aboveThreshold++;
          }
        }
      }
      const total = BATCH * STEPS * NEURONS;
      expect(nearTies).toBeLessThanOrEqual(total / 1000);
      expect(splitTrajectories).toBeLessThanOrEqual(2);
      expect(compared).toBeGreaterThan(0.95 * total);
      if (c.config.spiking) {
        // A moderate rate: the spike/reset path is exercised, and far from saturated.
        expect(cpuSpikes).toBeGreaterThan(0.03 * compared);
        expect(cpuSpikes).toBeLessThan(0.5 * compared);
      } else {
        // A readout never spikes, yet its membrane does cross the threshold, so a kernel that
        // wrongly applied a reset or a refractory response would show.
        expect(cpuSpikes).toBe(0);
        expect(got.spikes.every((s) => s === 0)).toBe(true);
        expect(aboveThreshold).toBeGreaterThan(0.03 * compared);
      }
    });
  }

  it('rejects a current of the wrong length', async () => {
    fixture.ctx.device.pushErrorScope('validation');
    const kernel = new NeuronForward(fixture.ctx.device, {
      neurons: NEURONS,
      timeSteps: STEPS,
      dtMs: DT_MS,
      config: lif('hard', true),
    });
    await expect(kernel.run(new Float32Array(NEURONS * STEPS), 2)).rejects.toThrow(/expected/);
    const error = await fixture.ctx.device.popErrorScope();
    expect(error?.message ?? null).toBeNull();
  });

  it('reports no uncaptured errors or device loss during the tests', () => {
    expect(fixture.troubles).toEqual([]);
  });
});
