/**
 * Every kernel past the 65,535-workgroups-per-dimension limit, on a real WebGPU adapter (Dawn;
 * SwiftShader without a GPU): each runs an index space larger than 65,535 workgroups of its own
 * size in x, so the dispatch must use a 2-D grid, and every element, the last ones included, is
 * compared with the CPU engine. Then each kernel at a small shape with the grid capped at
 * 3 workgroups per dimension (a 3-D grid) gives bit-identical results to the uncapped 1-D grid.
 * A 1-D dispatch failed these shapes with "exceeds max compute workgroups per dimension".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LifLayer, type LifConfig } from '../../core/neurons/lif.ts';
import { Rng } from '../../core/rng.ts';
import { DelayLayer } from '../../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { AdamState } from '../../core/train/adam.ts';
import { computeLoss } from '../../core/train/losses.ts';
import { maxAbs } from '../../core/tensor.ts';
import { capWorkgroupsPerDimension, workgroupGrid } from '../grid.ts';
import { useGpuDevice } from '../testDevice.ts';
import { GpuAdam } from './Adam.ts';
import { DELAY_BACKWARD_WORKGROUP, DelayBackward } from './DelayBackward.ts';
import { DELAY_FORWARD_WORKGROUP, DelayForward } from './DelayForward.ts';
import { GpuLoss, LOSS_WORKGROUP } from './Loss.ts';
import { NeuronBackward } from './NeuronBackward.ts';
import { NEURON_WORKGROUP, NeuronForward } from './NeuronForward.ts';
import { SparseDelayForward } from './SparseDelayForward.ts';

const fixture = useGpuDevice();

afterEach(() => capWorkgroupsPerDimension(fixture.ctx.device, null));

/** The default per-dimension limit every adapter must support, and the one the tests cross. */
const LIMIT = 65535;

/** Asserts the 1-D dispatch of `invocations` would exceed the limit, i.e. the test needs 2-D. */
function expectPastLimit(invocations: number, workgroupSize: number): void {
  expect(Math.ceil(invocations / workgroupSize)).toBeGreaterThan(LIMIT);
  const grid = workgroupGrid(
    invocations,
    workgroupSize,
    fixture.ctx.device.limits.maxComputeWorkgroupsPerDimension,
  );
  expect(grid.y).toBeGreaterThan(1);
}

/** Worst violation of |gpu - cpu| <= abs + rel |cpu| over all elements (one assertion, not millions). */
function expectAllClose(
  name: string,
  gpu: ArrayLike<number>,
  cpu: ArrayLike<number>,
  abs: number,
  rel: number,
): void {
  expect(gpu.length, name).toBe(cpu.length);
  let worst = -1;
  let worstExcess = 0;
  for (let q = 0; q < gpu.length; q++) {
    const excess = Math.abs(gpu[q]! - cpu[q]!) - (abs + rel * Math.abs(cpu[q]!));
    if (!(excess <= worstExcess)) {
      worst = q;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  expect(worst, `${name}[${worst}] = ${gpu[worst]} but the CPU has ${cpu[worst]}`).toBe(-1);
}

async function withoutErrors<T>(run: () => Promise<T>): Promise<T> {
  const { device } = fixture.ctx;
  device.pushErrorScope('validation');
  const out = await run();
  expect((await device.popErrorScope())?.message ?? null).toBeNull();
  return out;
}

function randomLayer(inputs: number, outputs: number, kernel: DelayKernelConfig, seed: number): DelayLayer {
  const rng = new Rng(seed);
  const layer = new DelayLayer(inputs, outputs, kernel, 'f64');
  for (let q = 0; q < layer.weights.length; q++) {
    layer.weights[q] = rng.uniformIn(-1, 1);
    layer.delays[q] = rng.uniformIn(0, kernel.maxDelay - 1);
  }
  return layer;
}

function randomSpikes(length: number, rate: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length }, () => (rng.uniform() < rate ? 1 : 0));
}

const LERP: DelayKernelConfig = { mode: 'lerp', maxDelay: 3, rounding: 'nearest', hardwareBackward: 'lerp' };
const ROUND: DelayKernelConfig = {
  mode: 'round',
  maxDelay: 1,
  rounding: 'nearest',
  hardwareBackward: 'lerp',
};
const LIF: LifConfig = {
  model: 'lif',
  tauMs: 5,
  threshold: 1,
  reset: 'hard',
  spiking: false,
  surrogate: { kind: 'arctan', alpha: 2 },
  detachReset: true,
};

async function delayForward(
  sparse: boolean,
  layer: DelayLayer,
  spikes: Float32Array,
  batch: number,
  steps: number,
): Promise<Float32Array> {
  const shape = { inputs: layer.inputs, outputs: layer.outputs, timeSteps: steps, kernel: layer.kernel };
  const weights = Float32Array.from(layer.weights);
  const delays = Float32Array.from(layer.delays);
  const { device } = fixture.ctx;
  if (!sparse) return new DelayForward(device, shape).run(spikes, weights, delays, batch, layer.sigma);
  return new SparseDelayForward(device, shape).run(spikes, weights, delays, batch, layer.sigma);
}

async function delayBackward(
  layer: DelayLayer,
  spikes: Float32Array,
  gradCurrent: Float32Array,
  batch: number,
  steps: number,
) {
  const shape = { inputs: layer.inputs, outputs: layer.outputs, timeSteps: steps, kernel: layer.kernel };
  return new DelayBackward(fixture.ctx.device, shape).run(
    spikes,
    Float32Array.from(layer.weights),
    Float32Array.from(layer.delays),
    gradCurrent,
    batch,
    layer.sigma,
  );
}

async function adamSteps(
  start: Float32Array,
  grads: Float32Array[],
  maxDelay: number | null,
): Promise<Float32Array> {
  const { device } = fixture.ctx;
  const count = start.length;
  const buffer = (usage: number): GPUBuffer =>
    device.createBuffer({ label: 'grid test', size: count * 4, usage });
  const params = buffer(GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
  const gradBuffer = buffer(GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
  const readback = buffer(GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  device.queue.writeBuffer(params, 0, start);
  const adam = new GpuAdam(device, count, 'grid test', maxDelay);
  for (const g of grads) {
    device.queue.writeBuffer(gradBuffer, 0, g);
    const encoder = device.createCommandEncoder();
    adam.encode(encoder, params, gradBuffer, 0.5, HYPER);
    device.queue.submit([encoder.finish()]);
  }
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(params, 0, readback, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  for (const b of [params, gradBuffer, readback]) b.destroy();
  adam.destroy();
  return out;
}

const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

describe('kernels past 65,535 workgroups in x', () => {
  // batch 1 x 1,024 steps x 4,101 outputs = 4,199,424 invocations: 65,616 workgroups of 64.
  const [fwdInputs, fwdOutputs, fwdSteps] = [2, 4101, 1024];
  for (const sparse of [false, true]) {
    it(`${sparse ? 'sparse' : 'dense'} delay forward: every current matches the CPU`, async () => {
      expectPastLimit(fwdSteps * fwdOutputs, DELAY_FORWARD_WORKGROUP);
      const layer = randomLayer(fwdInputs, fwdOutputs, LERP, 1);
      const spikes = randomSpikes(fwdSteps * fwdInputs, 0.3, 2);
      const want = layer.forward(spikes, 1, fwdSteps);
      const got = await withoutErrors(() => delayForward(sparse, layer, spikes, 1, fwdSteps));
      expect(maxAbs(got.subarray(got.length - fwdOutputs))).toBeGreaterThan(0);
      expectAllClose('current', got, want, 1e-5, 1e-5);
    });
  }

  it('delay backward, weight gradients: 2,049 x 2,050 synapses (65,631 workgroups)', async () => {
    const [inputs, outputs, steps] = [2049, 2050, 2];
    expectPastLimit(inputs * outputs, DELAY_BACKWARD_WORKGROUP);
    const layer = randomLayer(inputs, outputs, ROUND, 3);
    const spikes = randomSpikes(steps * inputs, 0.5, 4);
    const gradCurrent = Float32Array.from(randomSpikes(steps * outputs, 0.5, 5), (s, q) => s - (q % 3) / 3);
    layer.forward(spikes, 1, steps);
    layer.zeroGrad();
    layer.backward(Float64Array.from(gradCurrent), false);
    const got = await withoutErrors(() => delayBackward(layer, spikes, gradCurrent, 1, steps));
    expect(maxAbs(got.gradWeights.subarray(got.gradWeights.length - outputs))).toBeGreaterThan(0);
    expectAllClose('gradWeights', got.gradWeights, layer.gradWeights, 1e-5, 1e-5);
  });

  it('delay backward, input gradients: 1,024 steps x 4,101 inputs', async () => {
    const [inputs, outputs, steps] = [4101, 1, 1024];
    expectPastLimit(steps * inputs, DELAY_BACKWARD_WORKGROUP);
    const layer = randomLayer(inputs, outputs, LERP, 6);
    const spikes = randomSpikes(steps * inputs, 0.2, 7);
    const rng = new Rng(8);
    const gradCurrent = Float32Array.from({ length: steps * outputs }, () => rng.normal());
    layer.forward(spikes, 1, steps);
    layer.zeroGrad();
    const gradInput = layer.backward(Float64Array.from(gradCurrent), true)!;
    const got = await withoutErrors(() => delayBackward(layer, spikes, gradCurrent, 1, steps));
    expectAllClose('gradInput', got.gradInput, gradInput, 1e-5, 1e-4);
    expectAllClose('gradDelays', got.gradDelays, layer.gradDelays, 1e-3 * maxAbs(layer.gradDelays), 1e-4);
  });

  // 4 samples x 1,050,001 neurons = 4,200,004 invocations.
  const [batch, neurons, steps] = [4, 1050001, 2];
  it('LIF forward and backward: 4 x 1,050,001 neurons', async () => {
    expectPastLimit(batch * neurons, NEURON_WORKGROUP);
    const rng = new Rng(9);
    const current = Float32Array.from({ length: batch * steps * neurons }, () => rng.normal(0.5, 1));
    const gradMembrane = Float32Array.from({ length: current.length }, () => rng.normal());
    const cpu = new LifLayer(neurons, LIF, 1, 'f64');
    const record = cpu.forward(Float64Array.from(current), batch, steps);
    const gradCurrent = cpu.backward(null, Float64Array.from(gradMembrane));
    const shape = { neurons, timeSteps: steps, dtMs: 1, config: LIF };
    const { device } = fixture.ctx;
    const forward = await withoutErrors(() => new NeuronForward(device, shape).run(current, batch));
    expectAllClose('membrane', forward.membrane, record.membrane, 1e-5, 1e-5);
    const backward = await withoutErrors(() =>
      new NeuronBackward(device, shape).run(
        { membrane: forward.membrane, spikes: forward.spikes, gradSpikes: null, gradMembrane },
        batch,
      ),
    );
    expectAllClose('gradCurrent', backward, gradCurrent, 1e-5, 1e-5);
  });

  it('loss: a batch of 4,200,000 samples, one invocation each', async () => {
    const [samples, outputs] = [4200000, 2];
    expectPastLimit(samples, LOSS_WORKGROUP);
    const rng = new Rng(10);
    const membrane = Float32Array.from({ length: samples * outputs }, () => rng.normal());
    const spikes = new Float32Array(membrane.length);
    const labels = Int32Array.from({ length: samples }, () => rng.int(outputs));
    const record = { membrane, spikes, batch: samples, timeSteps: 1, outputs, threshold: 1 };
    const cpu = computeLoss({ kind: 'ceSumMembrane' }, record, { kind: 'labels', labels }, 'f64');
    const loss = new GpuLoss(fixture.ctx.device, { kind: 'ceSumMembrane' }, outputs, 1, true);
    const got = await withoutErrors(() => loss.run(membrane, spikes, { kind: 'labels', labels }, samples, 1));
    expect(Math.abs(got.loss - cpu.loss)).toBeLessThan(1e-4 * cpu.loss);
    expectAllClose('gradMembrane', got.grad, cpu.gradMembrane!, 1e-12, 1e-4);
  });

  it('Adam with the delay clamp: 4,200,000 parameters', async () => {
    const count = 4200000;
    const maxDelay = 5;
    expectPastLimit(count, 64);
    const rng = new Rng(11);
    const start = Float64Array.from({ length: count }, () => rng.uniformIn(0, maxDelay - 1));
    const grads = [0, 1].map(() => Float32Array.from({ length: count }, () => rng.normal(0, 3)));
    const cpu = Float64Array.from(Float32Array.from(start));
    const state = new AdamState(count);
    for (const g of grads) {
      state.apply(cpu, Float64Array.from(g), 0.5, HYPER);
      for (let q = 0; q < count; q++) cpu[q] = Math.min(maxDelay - 1, Math.max(0, cpu[q]!));
    }
    const got = await withoutErrors(() => adamSteps(Float32Array.from(start), grads, maxDelay));
    expectAllClose('delays', got, cpu, 1e-4, 1e-5);
  });

  it('reports no uncaptured errors or device loss', () => {
    expect(fixture.troubles).toEqual([]);
  });
});

describe('kernels on a grid capped at 3 workgroups per dimension (3-D)', () => {
  const GAUSS: DelayKernelConfig = {
    mode: 'gauss',
    maxDelay: 6,
    rounding: 'nearest',
    hardwareBackward: 'gauss',
  };
  // batch 3 x 40 steps x 9 outputs = 1,080 invocations: 17 workgroups = a 3 x 3 x 2 grid.
  const [inputs, outputs, steps, batch] = [7, 9, 40, 3];

  /** Runs `kernel` uncapped, then capped, and asserts bit-identical outputs. */
  async function sameWhenCapped(run: () => Promise<Float32Array[]>): Promise<void> {
    const free = await withoutErrors(run);
    capWorkgroupsPerDimension(fixture.ctx.device, 3);
    const capped = await withoutErrors(run);
    capWorkgroupsPerDimension(fixture.ctx.device, null);
    expect(capped.length).toBe(free.length);
    free.forEach((f, k) => {
      expect(maxAbs(f), `output ${k} is not all zero`).toBeGreaterThan(0);
      expect(Array.from(capped[k]!), `output ${k}`).toEqual(Array.from(f));
    });
  }

  it('delay forward (dense and sparse) and backward', async () => {
    expect(workgroupGrid(batch * steps * outputs, 64, 3)).toEqual({ x: 3, y: 3, z: 2 });
    const layer = randomLayer(inputs, outputs, GAUSS, 12);
    layer.sigma = 1.5;
    const spikes = randomSpikes(batch * steps * inputs, 0.3, 13);
    const rng = new Rng(14);
    const gradCurrent = Float32Array.from({ length: batch * steps * outputs }, () => rng.normal());
    await sameWhenCapped(async () => [
      await delayForward(false, layer, spikes, batch, steps),
      await delayForward(true, layer, spikes, batch, steps),
      ...Object.values(await delayBackward(layer, spikes, gradCurrent, batch, steps)),
    ]);
  });

  it('neurons, loss and Adam', async () => {
    const neurons = 300;
    const rng = new Rng(15);
    const current = Float32Array.from({ length: 4 * 3 * neurons }, () => rng.normal(0.5, 1));
    const gradMembrane = Float32Array.from({ length: current.length }, () => rng.normal());
    const shape = { neurons, timeSteps: 3, dtMs: 1, config: LIF };
    const labels = Int32Array.from({ length: 700 }, () => rng.int(2));
    const membrane = Float32Array.from({ length: 1400 }, () => rng.normal());
    const params = Float32Array.from({ length: 1500 }, () => rng.uniformIn(0, 4));
    const grads = [Float32Array.from({ length: 1500 }, () => rng.normal(0, 3))];
    const { device } = fixture.ctx;
    await sameWhenCapped(async () => {
      const forward = await new NeuronForward(device, shape).run(current, 4);
      const backward = await new NeuronBackward(device, shape).run(
        { membrane: forward.membrane, spikes: forward.spikes, gradSpikes: null, gradMembrane },
        4,
      );
      const loss = await new GpuLoss(device, { kind: 'ceSumMembrane' }, 2, 1, true).run(
        membrane,
        new Float32Array(1400),
        { kind: 'labels', labels },
        700,
        1,
      );
      return [forward.membrane, backward, loss.grad, await adamSteps(params, grads, 5)];
    });
  });
});
