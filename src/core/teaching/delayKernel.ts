import type { ExperimentConfig } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import { preset } from '../presets.ts';
import { DelayLayer } from '../synapses/delayLayer.ts';
import { clampDelay, synapseTaps, type DelayKernelConfig } from '../synapses/kernels.ts';

/**
 * Learn page 2, "the delay kernel" (the internship report's eq. 3-5): one synapse carries one
 * input spike to a neuron. As a ring buffer it holds the spike back a whole number of steps (one
 * tap); linear interpolation splits it over the two taps around a real-valued delay; the
 * Gaussian (DCLS) spreads it over a bell of width sigma centred on the delay, whose slope tells
 * training which way to move the delay. Training shrinks sigma until the bell is nearly a tap.
 */
export type TeachingKernel = 'round' | 'lerp' | 'gauss';

export const TEACHING_KERNELS: readonly TeachingKernel[] = ['round', 'lerp', 'gauss'];

export interface DelayKernelSetup {
  kernel: TeachingKernel;
  /** Delay (time steps of 1 ms, real-valued; clamped into 0 .. MAX_DELAY - 1). */
  delay: number;
  /** The Gaussian's standard deviation (time steps). */
  sigma: number;
}

/** Taps of the synapse: delays 0 .. 19 steps. */
export const KERNEL_MAX_DELAY = 20;
/** Step at which the input spikes (ms). */
export const KERNEL_INPUT_STEP = 5;
/** Simulated steps (ms). */
export const KERNEL_STEPS = 40;
/** The range of sigma the page offers (time steps), and where training starts and ends it (DCLS). */
export const SIGMA_RANGE = { min: 0.3, max: 8 } as const;
export const SIGMA_SCHEDULE = { initial: 8, final: 0.5 } as const;

export interface DelayKernelResult {
  /** k[n], n = 0 .. MAX_DELAY - 1: the share of the spike delivered n steps later (sums to 1). */
  taps: number[];
  /** The current reaching the neuron at each step (the spike of weight 1 through the kernel). */
  current: number[];
  /** Centre of mass of the taps (steps): where the kernel puts the spike on average. */
  mean: number;
  /** Taps holding at least 1 % of the spike. */
  spread: number;
}

function kernelConfig(kernel: TeachingKernel): DelayKernelConfig {
  return { mode: kernel, maxDelay: KERNEL_MAX_DELAY, rounding: 'nearest', hardwareBackward: 'gauss' };
}

/** The delay as the page uses it: finite, rounded to 0.1 step, inside the kernel. */
export function clampKernelDelay(d: number): number {
  if (!Number.isFinite(d)) return 0;
  return clampDelay(Math.round(d * 10) / 10, KERNEL_MAX_DELAY);
}

/** Sigma as the page uses it: finite, rounded to 0.05 step, inside SIGMA_RANGE. */
export function clampSigma(s: number): number {
  if (!Number.isFinite(s)) return SIGMA_SCHEDULE.initial;
  return Math.min(SIGMA_RANGE.max, Math.max(SIGMA_RANGE.min, Math.round(s * 20) / 20));
}

/** The engine's kernel for the setup, and the current its delay layer delivers for one spike. */
export function delayKernelResponse(setup: DelayKernelSetup): DelayKernelResult {
  const delay = clampKernelDelay(setup.delay);
  const sigma = clampSigma(setup.sigma);
  const kernel = kernelConfig(setup.kernel);
  const taps = Array.from(synapseTaps(kernel, 1, delay, sigma));
  const layer = new DelayLayer(1, 1, kernel, 'f64');
  layer.weights[0] = 1;
  layer.delays[0] = delay;
  layer.sigma = sigma;
  const input = new Float64Array(KERNEL_STEPS);
  input[KERNEL_INPUT_STEP] = 1;
  const current = Array.from(layer.forward(input, 1, KERNEL_STEPS));
  const mean = taps.reduce((m, v, n) => m + v * n, 0) / taps.reduce((a, v) => a + v, 0);
  return { taps, current, mean, spread: taps.filter((v) => v >= 0.01).length };
}

/**
 * The setup as a playground experiment: the toy task with this one input, one LIF neuron, the
 * chosen kernel at this delay and (Gaussian) this sigma held constant; Play then trains the delay
 * toward a first spike 12 steps after the input.
 */
export function delayKernelConfig(setup: DelayKernelSetup): ExperimentConfig {
  const toy = preset('toy')!;
  const layer = toy.network.layers[0]!;
  return validateExperiment({
    ...toy,
    name: 'learn-delay-kernel',
    description: `Learn page 2: one input spike (step ${KERNEL_INPUT_STEP}) through one synapse (${setup.kernel} kernel) into one LIF neuron.`,
    task: { kind: 'toy', inputTimes: [KERNEL_INPUT_STEP], targetTimes: [KERNEL_INPUT_STEP + 12] },
    network: {
      inputs: 1,
      timeSteps: KERNEL_STEPS,
      dtMs: 1,
      layers: [
        {
          ...layer,
          size: 1,
          kernel: kernelConfig(setup.kernel),
          weightInit: { kind: 'constant', value: 5 },
          delayInit: { kind: 'values', values: [clampKernelDelay(setup.delay)] },
        },
      ],
    },
    sigma: { kind: 'constant', initial: clampSigma(setup.sigma), final: SIGMA_SCHEDULE.final, fraction: 1 },
  });
}
