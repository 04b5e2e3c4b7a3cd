import type { ExperimentConfig, LayerConfig, WeightInit } from './experiment.ts';
import type { SrmConfig } from './neurons/srm.ts';

/**
 * The experiments of "delay-only training" (SRM neurons, fixed random or ternary weights, only
 * the synaptic delays learn), as the paper's text describes them:
 *
 * - 784-800-10 SRM with SLAYER kernels: threshold 10, tau_s = tau_r = 1 ms, refractory scale 2
 *   (nu(t) = -2 theta exp(1 - t / tau_r)), 10 steps of 1 ms.
 * - Weights N(0.0571, 0.5458) for the first layer and N(-0.5244, 1.0490) for the second (read as
 *   mean and standard deviation), times 10; ternary: rounded to {-1, 0, 1} before the x10.
 * - Delays per synapse, initialised U(0, 1) and trained as real values with Adam (lr 0.01, batch
 *   32), floored to whole steps at inference.
 * - Input: a pixel > 127 spikes once at t = 0. Target: the correct class's output spikes at every
 *   step, the others never. Class = first output spike, ties broken by spike count.
 * - 80 / 20 train / validation split; the reported test accuracy is the best-validation model's.
 *
 * Where the text is silent, these presets choose what SLAYER-style training implies:
 * - Delay range Td = 10 steps (the whole window).
 * - Delay semantics: the forward pass floors the delays, as inference does (kernel mode
 *   'hardware', rounding 'floor'), so training sees exactly the network it is evaluated as; the
 *   delay gradient is that of linear interpolation between the two neighbouring steps (SLAYER
 *   shifts spike trains by real delays with linear interpolation).
 * - Loss: SLAYER's spike-time loss compares spike trains filtered by the response kernel; here
 *   the filter is an exponential trace with tau = tau_s = 1 step.
 * - Surrogate: SLAYER's exponential spike-escape density with width theta (alpha = 1 / 10).
 * - The paper trains for up to 200 epochs (its learning curves); the presets say 200, and the
 *   CLI's --epochs shortens a run.
 */

function srm(tauSynMs: number): SrmConfig {
  return {
    model: 'srm',
    tauSynMs,
    tauRefMs: 1,
    threshold: 10,
    refractoryScale: 2,
    spiking: true,
    surrogate: { kind: 'slayerExp', alpha: 0.1 },
    detachReset: true,
  };
}

/** First- and second-layer weight distributions of the paper (mean, standard deviation). */
const FIRST = { mean: 0.0571, std: 0.5458 };
const SECOND = { mean: -0.5244, std: 1.049 };

function layer(
  size: number,
  weights: { mean: number; std: number },
  init: 'normal' | 'ternary',
  train: 'delays' | 'weights',
  tauSynMs: number,
): LayerConfig {
  const weightInit: WeightInit = { kind: init, mean: weights.mean, std: weights.std, scale: 10 };
  return {
    size,
    neuron: srm(tauSynMs),
    kernel: { mode: 'hardware', maxDelay: 10, rounding: 'floor', hardwareBackward: 'lerp' },
    trainWeights: train === 'weights',
    trainDelays: train === 'delays',
    weightInit,
    // U(0, 1): every delay floors to 0 at first (the paper's init).
    delayInit: { kind: 'uniform', low: 0, high: 1 },
    connectivity: 1,
  };
}

function experiment(
  name: string,
  description: string,
  dataset: string,
  init: 'normal' | 'ternary',
  train: 'delays' | 'weights',
): ExperimentConfig {
  return {
    version: 1,
    name,
    description,
    seed: 0,
    task: {
      kind: 'images',
      dataset,
      encoder: { kind: 'threshold', threshold: 127, step: 0 },
      trainLimit: null,
      testLimit: null,
    },
    network: {
      inputs: 784,
      timeSteps: 10,
      dtMs: 1,
      layers: [layer(800, FIRST, init, train, 1), layer(10, SECOND, init, train, 1)],
    },
    loss: { kind: 'spikeTime', traceTauSteps: 1 },
    readout: 'firstSpike',
    optimizer: {
      weights: { lr: 0.01, schedule: { kind: 'constant' } },
      delays: { lr: 0.01, schedule: { kind: 'constant' } },
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
    },
    // Unused by the linear-interpolation gradient; kept for a switch to Gaussian delays.
    sigma: { kind: 'constant', initial: null, final: 0.5, fraction: 1 },
    training: { epochs: 200, batchSize: 32, validationFraction: 0.2 },
  };
}

export const DELAY_ONLY_PRESETS: Readonly<Record<string, ExperimentConfig>> = {
  'delay-only-mnist': experiment(
    'delay-only-mnist',
    'Delay-only training (paper): 784-800-10 SRM, fixed random N(0.0571, 0.5458) / N(-0.5244, 1.049) x10 weights, delays learn, floored at inference; the built-in 10k MNIST digits (or --data).',
    'mnist-10k',
    'normal',
    'delays',
  ),
  'delay-only-fashion': experiment(
    'delay-only-fashion',
    'Delay-only training on Fashion-MNIST (--data /usr/share/datasets/fashion-mnist): random fixed weights, delays learn. Paper: 86.6 % test.',
    'fashion-mnist',
    'normal',
    'delays',
  ),
  'delay-only-fashion-ternary': experiment(
    'delay-only-fashion-ternary',
    'Delay-only training on Fashion-MNIST with ternary weights {-10, 0, 10} (rounded draws x10). Paper: 86.23 % test.',
    'fashion-mnist',
    'ternary',
    'delays',
  ),
  'weights-only-fashion': experiment(
    'weights-only-fashion',
    'The SLAYER weight-training baseline on Fashion-MNIST: same network and init, weights learn, delays stay at 0. Paper: 86.8 % test.',
    'fashion-mnist',
    'normal',
    'weights',
  ),
};
