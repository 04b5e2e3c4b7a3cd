/**
 * The delay passes over a masked layer's active synapses only (the *_active entry points), on a
 * real WebGPU adapter (no adapter is a failure, never a skip). Each is checked against the CPU
 * engine's masked layer and against the same kernel's dense pass on the same parameters: absent
 * synapses hold weight 0, so skipping them must change nothing.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { DelayLayer } from '../../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { packActiveSynapses } from './ActiveSynapses.ts';
import { DelayBackward } from './DelayBackward.ts';
import { DelayForward } from './DelayForward.ts';
import { SparseDelayForward } from './SparseDelayForward.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const INPUTS = 17;
const OUTPUTS = 9;
const STEPS = 24;
const BATCH = 3;
const MAX_DELAY = 8;

function kernel(
  mode: DelayKernelConfig['mode'],
  rounding: DelayKernelConfig['rounding'],
  hardwareBackward: DelayKernelConfig['hardwareBackward'] = 'gauss',
): DelayKernelConfig {
  return { mode, maxDelay: MAX_DELAY, rounding, hardwareBackward };
}

const CASES: [string, DelayKernelConfig, number][] = [
  ['gauss, sigma 2', kernel('gauss', 'nearest'), 2],
  ['lerp', kernel('lerp', 'nearest'), 1],
  ['round (floor)', kernel('round', 'floor'), 1],
  ['hardware, Gaussian backward', kernel('hardware', 'floor', 'gauss'), 1.5],
  ['hardware, lerp backward', kernel('hardware', 'nearest', 'lerp'), 1],
];

/** A CPU layer keeping about a quarter of its synapses (absent ones at weight 0), and its mask. */
function maskedLayer(k: DelayKernelConfig, sigma: number, seed: number): DelayLayer {
  const rng = new Rng(seed);
  const cpu = new DelayLayer(INPUTS, OUTPUTS, k, 'f64');
  cpu.mask = Uint8Array.from({ length: INPUTS * OUTPUTS }, () => (rng.uniform() < 0.25 ? 1 : 0));
  // Input 3 keeps no synapse, output 4 keeps exactly one: empty and single-entry lists.
  for (let j = 0; j < OUTPUTS; j++) cpu.mask[3 * OUTPUTS + j] = 0;
  for (let i = 0; i < INPUTS; i++) cpu.mask[i * OUTPUTS + 4] = i === 6 ? 1 : 0;
  for (let q = 0; q < cpu.weights.length; q++) {
    cpu.weights[q] = cpu.mask[q] ? rng.uniformIn(-1, 1) : 0;
    cpu.delays[q] = rng.uniformIn(0, MAX_DELAY - 1);
  }
  cpu.sigma = sigma;
  return cpu;
}

function expectClose(name: string, gpu: Float32Array, cpu: ArrayLike<number>): void {
  expect(gpu.length).toBe(cpu.length);
  let scale = 0;
  for (let q = 0; q < cpu.length; q++) scale = Math.max(scale, Math.abs(cpu[q]!));
  expect(scale, `${name}: all zeros proves nothing`).toBeGreaterThan(0);
  for (let q = 0; q < cpu.length; q++)
    expect(Math.abs(gpu[q]! - cpu[q]!), `${name}[${q}]`).toBeLessThanOrEqual(1e-5 + 2e-4 * scale);
}

describe('packActiveSynapses', () => {
  it('lays out K, the lists by output and by input, the synapse indices and the by-input places', () => {
    // 3 inputs x 2 outputs: synapses (0,1), (1,0), (2,0), (2,1) are active; (0,0) has mask 0 but
    // weight 0.5 (a model under a later mask), so it is active too; (1,1) is absent.
    const mask = Uint8Array.from([0, 1, 1, 0, 1, 1]);
    const weights = [0.5, 1, 1, 0, 1, 1];
    const packed = Array.from(packActiveSynapses(mask, weights, 3, 2));
    const count = [5];
    const offsetsByOutput = [0, 3, 5]; // output 0 has 3 inputs, output 1 has 2
    const inputsOfOutputs = [0, 1, 2, 0, 2];
    const offsetsByInput = [0, 2, 3, 5];
    const outputsOfInputs = [0, 1, 0, 0, 1];
    const synapseIndices = [0, 1, 2, 4, 5]; // i * 2 + j
    // By output: (0,0) (1,0) (2,0) (0,1) (2,1) are by-input entries 0, 2, 3, 1, 4.
    const byInputPlaces = [0, 2, 3, 1, 4];
    expect(packed).toEqual([
      ...count,
      ...offsetsByOutput,
      ...inputsOfOutputs,
      ...offsetsByInput,
      ...outputsOfInputs,
      ...synapseIndices,
      ...byInputPlaces,
    ]);
  });
});

describe('delay passes over active synapses only', () => {
  for (const [name, k, sigma] of CASES) {
    it(`forward: the CPU engine's masked layer, and the dense pass exactly: ${name}`, async () => {
      const cpu = maskedLayer(k, sigma, 3);
      const rng = new Rng(4);
      const spikes = Float32Array.from({ length: BATCH * STEPS * INPUTS }, () =>
        rng.uniform() < 0.25 ? 1 : 0,
      );
      const expected = cpu.forward(spikes, BATCH, STEPS);
      const device = fixture.ctx.device;
      device.pushErrorScope('validation');
      const pass = new DelayForward(device, {
        inputs: INPUTS,
        outputs: OUTPUTS,
        timeSteps: STEPS,
        kernel: k,
      });
      const weights = Float32Array.from(cpu.weights);
      const delays = Float32Array.from(cpu.delays);
      const active = await pass.run(spikes, weights, delays, BATCH, sigma, cpu.mask);
      const dense = await pass.run(spikes, weights, delays, BATCH, sigma);
      expect((await device.popErrorScope())?.message ?? null).toBeNull();
      expectClose('current', active, expected);
      // The same terms in the same order, only the zeros left out.
      expect(Array.from(active)).toEqual(Array.from(dense));
    });

    for (const fromEvents of [false, true]) {
      it(`backward${fromEvents ? ' (weight and delay gradients from input events)' : ''}: the CPU engine's masked layer: ${name}`, async () => {
        const cpu = maskedLayer(k, sigma, 7);
        const rng = new Rng(8);
        const spikes = Float32Array.from({ length: BATCH * STEPS * INPUTS }, () =>
          rng.uniform() < 0.3 ? 1 : 0,
        );
        const gradCurrent = Float32Array.from({ length: BATCH * STEPS * OUTPUTS }, () => rng.normal());
        cpu.forward(spikes, BATCH, STEPS);
        cpu.zeroGrad();
        const gradInput = cpu.backward(Float64Array.from(gradCurrent), true)!;
        const device = fixture.ctx.device;
        device.pushErrorScope('validation');
        const pass = new DelayBackward(device, {
          inputs: INPUTS,
          outputs: OUTPUTS,
          timeSteps: STEPS,
          kernel: k,
        });
        const args = [
          spikes,
          Float32Array.from(cpu.weights),
          Float32Array.from(cpu.delays),
          gradCurrent,
          BATCH,
          sigma,
        ] as const;
        const got = await pass.run(...args, { fromEvents, mask: cpu.mask! });
        const dense = await pass.run(...args, { fromEvents });
        expect((await device.popErrorScope())?.message ?? null).toBeNull();
        // The CPU zeroes the absent synapses' gradients; the active pass never writes them.
        expectClose('gradWeights', got.gradWeights, cpu.gradWeights);
        if (k.mode !== 'round') expectClose('gradDelays', got.gradDelays, cpu.gradDelays);
        expectClose('gradInput', got.gradInput, gradInput);
        expect(Array.from(got.gradInput)).toEqual(Array.from(dense.gradInput));
        const mask = cpu.mask!;
        for (let q = 0; q < mask.length; q++) {
          if (mask[q]) {
            expect(got.gradWeights[q]).toBe(dense.gradWeights[q]);
            expect(got.gradDelays[q]).toBe(dense.gradDelays[q]);
          } else {
            expect(got.gradWeights[q]).toBe(0);
            expect(got.gradDelays[q]).toBe(0);
          }
        }
      });
    }
  }
});

/** A masked layer's parameters at its synapses only, and those synapses' indices (ascending). */
function compactOf(cpu: DelayLayer): { synapses: Int32Array; weights: Float32Array; delays: Float32Array } {
  const kept: number[] = [];
  cpu.mask!.forEach((m, q) => m && kept.push(q));
  const synapses = Int32Array.from(kept);
  return {
    synapses,
    weights: Float32Array.from(synapses, (q) => cpu.weights[q]!),
    delays: Float32Array.from(synapses, (q) => cpu.delays[q]!),
  };
}

describe('delay passes of a compact layer (buffers of its synapses only)', () => {
  const shapeOf = (k: DelayKernelConfig, compact: boolean) => ({
    inputs: INPUTS,
    outputs: OUTPUTS,
    timeSteps: STEPS,
    kernel: k,
    compact,
  });
  for (const [name, k, sigma] of CASES) {
    it(`forward, event-driven forward and backward equal the masked passes exactly: ${name}`, async () => {
      const cpu = maskedLayer(k, sigma, 11);
      const { synapses, weights, delays } = compactOf(cpu);
      const rng = new Rng(12);
      const spikes = Float32Array.from({ length: BATCH * STEPS * INPUTS }, () =>
        rng.uniform() < 0.25 ? 1 : 0,
      );
      const gradCurrent = Float32Array.from({ length: BATCH * STEPS * OUTPUTS }, () => rng.normal());
      const denseWeights = Float32Array.from(cpu.weights);
      const denseDelays = Float32Array.from(cpu.delays);
      const device = fixture.ctx.device;
      device.pushErrorScope('validation');
      const masked = await new DelayForward(device, shapeOf(k, false)).run(
        spikes,
        denseWeights,
        denseDelays,
        BATCH,
        sigma,
        cpu.mask,
      );
      const compact = await new DelayForward(device, shapeOf(k, true)).run(
        spikes,
        weights,
        delays,
        BATCH,
        sigma,
        null,
        synapses,
      );
      const eventsDense = await new SparseDelayForward(device, shapeOf(k, false)).run(
        spikes,
        denseWeights,
        denseDelays,
        BATCH,
        sigma,
      );
      const eventsCompact = await new SparseDelayForward(device, shapeOf(k, true)).run(
        spikes,
        weights,
        delays,
        BATCH,
        sigma,
        synapses,
      );
      const args = [spikes, denseWeights, denseDelays, gradCurrent, BATCH, sigma] as const;
      const maskedGrads = await new DelayBackward(device, shapeOf(k, false)).run(...args, {
        mask: cpu.mask!,
      });
      const compactGrads = await new DelayBackward(device, shapeOf(k, true)).run(
        spikes,
        weights,
        delays,
        gradCurrent,
        BATCH,
        sigma,
        { synapses },
      );
      expect((await device.popErrorScope())?.message ?? null).toBeNull();
      expect(masked.some((c) => c !== 0)).toBe(true);
      expect(Array.from(compact)).toEqual(Array.from(masked));
      expect(Array.from(eventsCompact)).toEqual(Array.from(eventsDense));
      expect(compactGrads.gradWeights.length).toBe(synapses.length);
      expect(Array.from(compactGrads.gradWeights)).toEqual(
        Array.from(synapses, (q) => maskedGrads.gradWeights[q]),
      );
      expect(Array.from(compactGrads.gradDelays)).toEqual(
        Array.from(synapses, (q) => maskedGrads.gradDelays[q]),
      );
      expect(Array.from(compactGrads.gradInput)).toEqual(Array.from(maskedGrads.gradInput));
    });
  }
});
