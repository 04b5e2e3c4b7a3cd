import { eventPropGradcheck } from './eventprop/gradcheck.ts';
import type { ExperimentConfig, NeuronConfig } from './experiment.ts';
import { Network } from './network.ts';
import { Rng } from './rng.ts';
import type { DelayKernelConfig } from './synapses/kernels.ts';
import { computeLoss, type LossConfig, type Targets } from './train/losses.ts';

/**
 * Central finite differences in Float64 against the BPTT gradients, for every neuron model x
 * kernel mode x loss, on a small 2-layer network (4 -> 5 -> 3, 12 steps, Td 4, batch 2).
 *
 * Spikes are piecewise constant, so the check runs the network in 'smooth' spike mode: the
 * forward pass emits f(u - threshold), the surrogate's primitive, and the reset is not detached.
 * That network is differentiable and its exact gradient is what the same backward code computes
 * with df; a mistake anywhere in the chain (kernels, neurons through time, losses) shows up.
 * Delays are checked only where the kernel mode has a true delay gradient (gauss, lerp).
 */
export interface GradcheckCase {
  /** BPTT (surrogate gradients through time) or EventProp (exact, from spike times). */
  method: 'bptt' | 'eventprop';
  neuron: string;
  kernel: string;
  loss: string;
  param: 'weights' | 'delays' | 'inputs';
  maxRelError: number;
  /** Largest |gradient| in the tensor, to show the check is not comparing zeros. */
  gradScale: number;
}

export interface GradcheckReport {
  cases: GradcheckCase[];
  maxRelError: number;
}

const NEURONS: Record<string, NeuronConfig> = {
  'lif-hard-arctan': {
    model: 'lif',
    tauMs: 4,
    threshold: 1,
    reset: 'hard',
    spiking: true,
    surrogate: { kind: 'arctan', alpha: 2 },
    detachReset: false,
  },
  'lif-soft-fastSigmoid': {
    model: 'lif',
    tauMs: 4,
    threshold: 1,
    reset: 'soft',
    spiking: true,
    surrogate: { kind: 'fastSigmoid', alpha: 2 },
    detachReset: false,
  },
  'srm-slayerExp': {
    model: 'srm',
    tauSynMs: 2,
    tauRefMs: 2,
    threshold: 1,
    refractoryScale: 2,
    spiking: true,
    surrogate: { kind: 'slayerExp', alpha: 2 },
    detachReset: false,
  },
};

const KERNELS: Record<string, DelayKernelConfig> = {
  gauss: { mode: 'gauss', maxDelay: 4, rounding: 'nearest', hardwareBackward: 'gauss' },
  lerp: { mode: 'lerp', maxDelay: 4, rounding: 'nearest', hardwareBackward: 'lerp' },
  round: { mode: 'round', maxDelay: 4, rounding: 'floor', hardwareBackward: 'lerp' },
  'hardware-gauss': { mode: 'hardware', maxDelay: 4, rounding: 'floor', hardwareBackward: 'gauss' },
  'hardware-lerp': { mode: 'hardware', maxDelay: 4, rounding: 'nearest', hardwareBackward: 'lerp' },
};

const LOSSES: Record<string, LossConfig> = {
  ceSumMembrane: { kind: 'ceSumMembrane' },
  ceMaxMembrane: { kind: 'ceMaxMembrane' },
  spikeCount: { kind: 'spikeCount', trueRate: 0.5, falseRate: 0.1 },
  spikeTime: { kind: 'spikeTime', traceTauSteps: 3, targetSteps: null },
  firstSpikeTime: { kind: 'firstSpikeTime', timeScale: 4, silentMargin: 1.2 },
};

const INPUTS = 4;
const HIDDEN = 5;
const OUTPUTS = 3;
const STEPS = 12;
const BATCH = 2;
const SIGMA = 1.3;
/**
 * Central-difference step. With O(1) losses the roundoff of a difference quotient is about
 * 1e-16 / EPS = 1e-11 absolute and the truncation error about EPS^2 = 1e-10, relative to O(1)
 * third derivatives.
 */
const EPS = 1e-5;

function networkConfig(neuron: NeuronConfig, kernel: DelayKernelConfig): ExperimentConfig['network'] {
  const layer = (size: number) => ({
    size,
    neuron,
    kernel,
    trainWeights: true,
    trainDelays: true,
    weightInit: { kind: 'constant' as const, value: 0 },
    delayInit: { kind: 'constant' as const, value: 0 },
    connectivity: 1,
    rewiring: null,
  });
  return { inputs: INPUTS, timeSteps: STEPS, dtMs: 1, layers: [layer(HIDDEN), layer(OUTPUTS)] };
}

/**
 * Element-wise relative error |a - n| / max(|a|, |n|, floor). Elements smaller than 1e-5 of the
 * tensor's largest gradient are judged against that floor, where finite-difference noise would
 * otherwise dominate their relative error.
 */
function relError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): { err: number; scale: number } {
  let scale = 0;
  for (let k = 0; k < numeric.length; k++)
    scale = Math.max(scale, Math.abs(numeric[k]!), Math.abs(analytic[k]!));
  const floor = 1e-5 * scale + 1e-12;
  let err = 0;
  for (let k = 0; k < numeric.length; k++) {
    const a = analytic[k]!;
    const n = numeric[k]!;
    err = Math.max(err, Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n), floor));
  }
  return { err, scale };
}

export function runGradcheck(seed = 7): GradcheckReport {
  const cases: GradcheckCase[] = [];
  for (const [neuronName, neuron] of Object.entries(NEURONS)) {
    for (const [kernelName, kernel] of Object.entries(KERNELS)) {
      for (const [lossName, loss] of Object.entries(LOSSES)) {
        cases.push(...checkOne(neuronName, neuron, kernelName, kernel, lossName, loss, seed));
      }
    }
  }
  // EventProp on the exact event-driven LIF: 3 -> 5 -> 2 and 3 -> 4 -> 4 -> 2 (eventprop/gradcheck.ts).
  for (const sizes of [
    [3, 5, 2],
    [3, 4, 4, 2],
  ]) {
    for (const output of ['spiking', 'integral', 'max'] as const) {
      for (const check of eventPropGradcheck(seed, sizes, output)) {
        cases.push({
          method: 'eventprop',
          neuron: 'lif-exp-current (exact)',
          kernel: `real delays ${sizes.join('-')}`,
          loss:
            output === 'spiking' ? 'spike times' : `readout V ${output === 'max' ? 'maximum' : 'integral'}`,
          param: check.param,
          maxRelError: check.maxRelError,
          gradScale: check.gradScale,
        });
      }
    }
  }
  return { cases, maxRelError: Math.max(...cases.map((c) => c.maxRelError)) };
}

function checkOne(
  neuronName: string,
  neuron: NeuronConfig,
  kernelName: string,
  kernel: DelayKernelConfig,
  lossName: string,
  loss: LossConfig,
  seed: number,
): GradcheckCase[] {
  const rng = new Rng(seed);
  const net = new Network(networkConfig(neuron, kernel), 'f64', 'smooth');
  net.setSigma(SIGMA);
  const td = kernel.maxDelay;
  net.synapses.forEach((s, l) => {
    for (let q = 0; q < s.weights.length; q++) s.weights[q] = rng.uniformIn(-0.5, 2.5) * (l === 0 ? 1 : 0.8);
    // Away from integers (lerp's kinks, floor's jumps) and inside [0, Td - 1].
    for (let q = 0; q < s.delays.length; q++) s.delays[q] = rng.int(td - 1) + rng.uniformIn(0.2, 0.8);
  });
  const input = new Float64Array(BATCH * STEPS * INPUTS);
  for (let q = 0; q < input.length; q++) input[q] = rng.uniform() < 0.35 ? rng.uniformIn(0.5, 1.5) : 0;
  const targets: Targets =
    loss.kind === 'firstSpikeTime'
      ? {
          kind: 'spikeTimes',
          times: Float64Array.from({ length: BATCH * OUTPUTS }, () => 3 + rng.int(STEPS - 4)),
        }
      : { kind: 'labels', labels: Int32Array.from({ length: BATCH }, () => rng.int(OUTPUTS)) };

  const lossAndGrads = (): ReturnType<typeof computeLoss> => {
    const out = net.forward(input, BATCH).layers.at(-1)!.neurons;
    const record = {
      membrane: out.membrane,
      spikes: out.spikes,
      batch: BATCH,
      timeSteps: STEPS,
      outputs: OUTPUTS,
      threshold: 1,
    };
    return computeLoss(loss, record, targets, 'f64');
  };
  const evaluate = (): number => lossAndGrads().loss;
  const grads = lossAndGrads();
  net.zeroGrad();
  const gradInput = net.backward(grads.gradSpikes, grads.gradMembrane, true)!;

  const numeric = (values: { [k: number]: number; length: number }): Float64Array => {
    const g = new Float64Array(values.length);
    for (let k = 0; k < values.length; k++) {
      const v = values[k]!;
      values[k] = v + EPS;
      const plus = evaluate();
      values[k] = v - EPS;
      const minus = evaluate();
      values[k] = v;
      g[k] = (plus - minus) / (2 * EPS);
    }
    return g;
  };
  const concat = (parts: ArrayLike<number>[]): Float64Array =>
    Float64Array.from(parts.flatMap((p) => Array.from(p)));
  const result: GradcheckCase[] = [];
  const push = (param: GradcheckCase['param'], analytic: ArrayLike<number>, num: ArrayLike<number>): void => {
    const { err, scale } = relError(analytic, num);
    result.push({
      method: 'bptt',
      neuron: neuronName,
      kernel: kernelName,
      loss: lossName,
      param,
      maxRelError: err,
      gradScale: scale,
    });
  };
  push(
    'weights',
    concat(net.synapses.map((s) => s.gradWeights)),
    concat(net.synapses.map((s) => numeric(s.weights))),
  );
  if (kernel.mode === 'gauss' || kernel.mode === 'lerp') {
    push(
      'delays',
      concat(net.synapses.map((s) => s.gradDelays)),
      concat(net.synapses.map((s) => numeric(s.delays))),
    );
  }
  push('inputs', gradInput, numeric(input));
  return result;
}
