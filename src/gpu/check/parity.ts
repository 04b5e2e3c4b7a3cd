/**
 * GPU-vs-CPU parity checks that run inside one browser page (gpu-check.html): the WGSL kernels
 * on the page's WebGPU adapter against the CPU reference engine (f64) in the same page, on seeded
 * inputs. The shapes, seeds and tolerances follow the Node parity tests (src/gpu/kernels/*.gpu.test.ts),
 * so a browser that passes here agrees with Dawn in Node. Nothing here touches the DOM or the network.
 */
import { Rng } from '../../core/rng.ts';
import { DelayLayer } from '../../core/synapses/delayLayer.ts';
import type { DelayKernelConfig } from '../../core/synapses/kernels.ts';
import { maxAbs } from '../../core/tensor.ts';
import { preset } from '../../core/presets.ts';
import { Trainer } from '../../core/trainer.ts';
import { GpuTrainer } from '../engine/GpuTrainer.ts';
import { computeLoss, type LossConfig, type Targets } from '../../core/train/losses.ts';
import { GpuUnavailableError, openDevice, type GpuContext } from '../device.ts';
import { DelayBackward } from '../kernels/DelayBackward.ts';
import { DelayForward } from '../kernels/DelayForward.ts';
import { GpuLoss } from '../kernels/Loss.ts';

export interface CheckResult {
  name: string;
  /** max |gpu - cpu| over the tensor; null when the GPU gave nothing, the wrong length or a non-finite value. */
  maxAbsError: number | null;
  /** The bound on maxAbsError: abs + rel * max |cpu| (see TOLERANCES). */
  tolerance: number;
  ok: boolean;
  /** Why the check failed besides the error bound (GPU error, all-zero reference, ...); '' when none. */
  note: string;
}

export type GpuCheckStatus =
  /** Every check is within tolerance. */
  | 'passed'
  /** The checks ran and at least one is outside its tolerance (or the device reported trouble). */
  | 'failed'
  /** No WebGPU: navigator.gpu missing, no adapter, or the adapter/device request failed. */
  | 'unavailable'
  /** Something threw while the checks ran. */
  | 'error';

export interface GpuCheckSummary {
  status: GpuCheckStatus;
  /** What the page found: no `navigator.gpu`, no adapter, a failing request, or an adapter. */
  webgpu: 'no-api' | 'no-adapter' | 'error' | 'adapter';
  message: string;
  adapter: GpuContext['adapterInfo'] | null;
  checks: CheckResult[];
  /** Uncaptured device errors and device loss seen while the checks ran. */
  troubles: string[];
}

interface Tolerance {
  abs: number;
  rel: number;
  /** The CPU reference must reach this max |value|, or the check proves nothing. */
  minScale: number;
}

/**
 * The Node parity tests bound each element by abs + rel * |cpu[q]| (forward, loss) or
 * 1e-4 * max|cpu| + 1e-4 * |cpu[q]| (backward: float32 sums over batch x time). Here one bound
 * per tensor, taken at its largest element: abs + rel * max|cpu|.
 */
export const TOLERANCES = {
  forward: { abs: 1e-5, rel: 1e-4, minScale: 1e-3 },
  backward: { abs: 0, rel: 2e-4, minScale: 1e-3 },
  lossValue: { abs: 1e-5, rel: 1e-5, minScale: 1e-6 },
  lossGrad: { abs: 0, rel: 1.1e-4, minScale: 1e-6 },
  /** Whole training steps: float32 drift over several Adam steps (as the Node whole-run test). */
  training: { abs: 1e-4, rel: 1e-3, minScale: 1e-3 },
} as const satisfies Record<string, Tolerance>;

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Compares a GPU tensor with its CPU reference. */
export function compare(
  name: string,
  gpu: ArrayLike<number> | null,
  cpu: ArrayLike<number>,
  tol: Tolerance,
  gpuError: string | null = null,
): CheckResult {
  const scale = maxAbs(cpu);
  const tolerance = tol.abs + tol.rel * scale;
  const notes: string[] = [];
  if (gpuError !== null) notes.push(`GPU: ${gpuError}`);
  let maxAbsError: number | null = null;
  if (gpu === null) {
    notes.push('no GPU result');
  } else if (gpu.length !== cpu.length) {
    notes.push(`GPU gave ${gpu.length} values, expected ${cpu.length}`);
  } else {
    let worst = 0;
    for (let q = 0; q < gpu.length; q++) {
      const e = Math.abs(gpu[q]! - cpu[q]!);
      if (!Number.isFinite(e)) {
        notes.push(`non-finite GPU value at [${q}]`);
        worst = Number.NaN;
        break;
      }
      if (e > worst) worst = e;
    }
    maxAbsError = Number.isFinite(worst) ? worst : null;
  }
  if (!(scale >= tol.minScale)) {
    notes.push(`CPU reference is (almost) all zero: max |cpu| = ${scale}`);
  }
  const ok = notes.length === 0 && maxAbsError !== null && maxAbsError <= tolerance;
  return { name, maxAbsError, tolerance, ok, note: notes.join('; ') };
}

/** Runs GPU work inside a validation error scope; a throw or a validation error becomes `error`. */
async function onGpu<T>(
  device: GPUDevice,
  work: () => Promise<T>,
): Promise<{ value: T | null; error: string | null }> {
  device.pushErrorScope('validation');
  let value: T | null = null;
  const errors: string[] = [];
  try {
    value = await work();
  } catch (e) {
    errors.push(errorMessage(e));
  }
  const scoped = await device.popErrorScope();
  if (scoped) errors.push(scoped.message);
  return { value, error: errors.length > 0 ? errors.join('; ') : null };
}

function delayKernel(mode: DelayKernelConfig['mode'], maxDelay: number): DelayKernelConfig {
  return { mode, maxDelay, rounding: 'nearest', hardwareBackward: 'gauss' };
}

/** Seeded binary spikes [batch][T][inputs] with firing probability `rate`. */
function randomSpikes(rng: Rng, length: number, rate: number): Float32Array {
  const spikes = new Float32Array(length);
  for (let q = 0; q < spikes.length; q++) spikes[q] = rng.uniform() < rate ? 1 : 0;
  return spikes;
}

/** A CPU delay layer (f64) with seeded weights in [-1, 1) and delays in [0, maxDelay - 1). */
function seededLayer(rng: Rng, inputs: number, outputs: number, kernel: DelayKernelConfig): DelayLayer {
  const layer = new DelayLayer(inputs, outputs, kernel, 'f64');
  for (let q = 0; q < layer.weights.length; q++) {
    layer.weights[q] = rng.uniformIn(-1, 1);
    layer.delays[q] = rng.uniformIn(0, kernel.maxDelay - 1);
  }
  return layer;
}

/** Delay-layer forward, one check per kernel mode (shape and seed of DelayForward.gpu.test.ts). */
async function forwardChecks(device: GPUDevice): Promise<CheckResult[]> {
  const [inputs, outputs, timeSteps, batch, maxDelay] = [13, 7, 30, 3, 9];
  const cases: [DelayKernelConfig['mode'], number][] = [
    ['gauss', 2.5],
    ['lerp', 1],
    ['round', 1],
  ];
  const results: CheckResult[] = [];
  for (const [mode, sigma] of cases) {
    const kernel = delayKernel(mode, maxDelay);
    const rng = new Rng(11);
    const cpu = seededLayer(rng, inputs, outputs, kernel);
    cpu.sigma = sigma;
    const spikes = randomSpikes(rng, batch * timeSteps * inputs, 0.2);
    const expected = cpu.forward(spikes, batch, timeSteps);
    const got = await onGpu(device, () =>
      new DelayForward(device, { inputs, outputs, timeSteps, kernel }).run(
        spikes,
        Float32Array.from(cpu.weights),
        Float32Array.from(cpu.delays),
        batch,
        sigma,
      ),
    );
    results.push(
      compare(`delay forward ${mode}: current`, got.value, expected, TOLERANCES.forward, got.error),
    );
  }
  return results;
}

/** Delay-layer backward for the smooth kernels (shape and seed of DelayBackward.gpu.test.ts). */
async function backwardChecks(device: GPUDevice): Promise<CheckResult[]> {
  const [inputs, outputs, timeSteps, batch, maxDelay] = [11, 6, 24, 3, 7];
  const cases: [DelayKernelConfig['mode'], number][] = [
    ['gauss', 2.5],
    ['lerp', 1],
  ];
  const results: CheckResult[] = [];
  for (const [mode, sigma] of cases) {
    const kernel = delayKernel(mode, maxDelay);
    const rng = new Rng(5);
    const cpu = seededLayer(rng, inputs, outputs, kernel);
    // Delays at the clamp edges, where training leaves many of them.
    cpu.delays[0] = 0;
    cpu.delays[1] = maxDelay - 1;
    cpu.delays[outputs + 2] = maxDelay - 1;
    cpu.sigma = sigma;
    const spikes = randomSpikes(rng, batch * timeSteps * inputs, 0.25);
    const gradCurrent = Float32Array.from({ length: batch * timeSteps * outputs }, () => rng.normal());
    cpu.forward(spikes, batch, timeSteps);
    cpu.zeroGrad();
    const gradInput = cpu.backward(Float64Array.from(gradCurrent), true)!;
    const got = await onGpu(device, () =>
      new DelayBackward(device, { inputs, outputs, timeSteps, kernel }).run(
        spikes,
        Float32Array.from(cpu.weights),
        Float32Array.from(cpu.delays),
        gradCurrent,
        batch,
        sigma,
      ),
    );
    const g = got.value;
    const tol = TOLERANCES.backward;
    results.push(
      compare(`delay backward ${mode}: gradWeights`, g?.gradWeights ?? null, cpu.gradWeights, tol, got.error),
      compare(`delay backward ${mode}: gradDelays`, g?.gradDelays ?? null, cpu.gradDelays, tol, got.error),
      compare(`delay backward ${mode}: gradInput`, g?.gradInput ?? null, gradInput, tol, got.error),
    );
  }
  return results;
}

/** Cross-entropy on the summed membrane: loss value and dL/dmembrane (Loss.gpu.test.ts's inputs). */
async function lossChecks(device: GPUDevice): Promise<CheckResult[]> {
  const [batch, timeSteps, outputs] = [5, 20, 4];
  const config: LossConfig = { kind: 'ceSumMembrane' };
  const rng = new Rng(9);
  const size = batch * timeSteps * outputs;
  // Membranes rise towards the threshold at different speeds; spikes where they are above it.
  const membrane = new Float32Array(size);
  const spikes = new Float32Array(size);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < outputs; j++) {
      const slope = rng.uniformIn(0, 0.12);
      for (let t = 0; t < timeSteps; t++) {
        const q = (b * timeSteps + t) * outputs + j;
        membrane[q] = slope * t + rng.normal(0, 0.05);
        spikes[q] = membrane[q]! >= 1 ? 1 : 0;
      }
    }
  }
  const targets: Targets = {
    kind: 'labels',
    labels: Int32Array.from({ length: batch }, () => rng.int(outputs)),
  };
  const cpu = computeLoss(
    config,
    { membrane, spikes, batch, timeSteps, outputs, threshold: 1 },
    targets,
    'f64',
  );
  const got = await onGpu(device, () =>
    new GpuLoss(device, config, outputs, timeSteps, true).run(membrane, spikes, targets, batch, 1),
  );
  const g = got.value;
  let gradError = got.error;
  if (g && !g.gradIsMembrane) gradError = 'the GPU loss says its gradient is not dL/dmembrane';
  return [
    compare('loss ceSumMembrane: loss', g ? [g.loss] : null, [cpu.loss], TOLERANCES.lossValue, got.error),
    compare(
      'loss ceSumMembrane: gradMembrane',
      g?.grad ?? null,
      cpu.gradMembrane ?? new Float64Array(size),
      TOLERANCES.lossGrad,
      gradError,
    ),
  ];
}

/**
 * Whole training steps: the toy preset trained 5 steps by the GpuTrainer (delay and neuron
 * forward, loss, BPTT, Adam, all on the GPU) and by the CPU trainer from the same seed.
 */
async function trainingChecks(ctx: GpuContext): Promise<CheckResult[]> {
  const config = preset('toy')!;
  const cpu = new Trainer(config, { precision: 'f32' });
  const cpuLosses: number[] = [];
  for (let s = 0; s < 5; s++) cpuLosses.push(cpu.trainStep([0]));
  const got = await onGpu(ctx.device, async () => {
    const gpu = new GpuTrainer(ctx, config);
    try {
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) losses.push(await gpu.trainStep([0]));
      return { losses, params: await gpu.readParameters() };
    } finally {
      gpu.destroy();
    }
  });
  return [
    compare(
      'training step toy x5: losses',
      got.value?.losses ?? null,
      cpuLosses,
      TOLERANCES.training,
      got.error,
    ),
    compare(
      'training step toy x5: delays',
      got.value?.params[0]!.delays ?? null,
      cpu.net.synapses[0]!.delays,
      TOLERANCES.training,
      got.error,
    ),
  ];
}

/**
 * Opens a device on `gpu` (the page's `navigator.gpu`, possibly missing), runs every check and
 * destroys the device. Never throws: every outcome is a summary.
 */
export async function runGpuCheck(gpu: GPU | undefined): Promise<GpuCheckSummary> {
  const empty = { adapter: null, checks: [], troubles: [] };
  if (!gpu) {
    return {
      status: 'unavailable',
      webgpu: 'no-api',
      message:
        'WebGPU is unavailable: this browser does not expose navigator.gpu (on Linux, start Chromium ' +
        'with --enable-unsafe-webgpu). No GPU checks ran.',
      ...empty,
    };
  }
  const troubles: string[] = [];
  let destroyed = false;
  let ctx: GpuContext;
  try {
    ctx = await openDevice(gpu, (t) => {
      if (destroyed && t.kind === 'lost') return;
      troubles.push(t.kind === 'lost' ? `device lost (${t.reason}): ${t.message}` : `error: ${t.message}`);
    });
  } catch (e) {
    const noAdapter = e instanceof GpuUnavailableError;
    return {
      status: 'unavailable',
      webgpu: noAdapter ? 'no-adapter' : 'error',
      message: `WebGPU is unavailable: ${errorMessage(e)}. No GPU checks ran.`,
      ...empty,
    };
  }
  const { device, adapterInfo } = ctx;
  try {
    const checks = [
      ...(await forwardChecks(device)),
      ...(await backwardChecks(device)),
      ...(await lossChecks(device)),
      ...(await trainingChecks(ctx)),
    ];
    // Let any uncaptured error raised by the last submissions arrive before judging.
    await device.queue.onSubmittedWorkDone();
    const failed = checks.filter((c) => !c.ok).map((c) => c.name);
    const passed = failed.length === 0 && troubles.length === 0;
    return {
      status: passed ? 'passed' : 'failed',
      webgpu: 'adapter',
      message: passed
        ? `All ${checks.length} checks are within tolerance of the CPU engine.`
        : [
            failed.length > 0
              ? `${failed.length} of ${checks.length} checks failed: ${failed.join(', ')}.`
              : '',
            troubles.length > 0 ? `The device reported trouble: ${troubles.join('; ')}.` : '',
          ]
            .filter((s) => s.length > 0)
            .join(' '),
      adapter: adapterInfo,
      checks,
      troubles: [...troubles],
    };
  } catch (e) {
    return {
      status: 'error',
      webgpu: 'adapter',
      message: `The checks stopped with an error: ${errorMessage(e)}`,
      adapter: adapterInfo,
      checks: [],
      troubles: [...troubles],
    };
  } finally {
    destroyed = true;
    device.destroy();
  }
}
