import type { ExperimentConfig } from './experiment.ts';
import { activeSynapseCount, compactLayer } from './network.ts';
import { EVAL_SLICE_SAMPLES } from './runLoop.ts';
import { hasDelayGradient } from './synapses/kernels.ts';
import type { Precision } from './tensor.ts';

/** Bytes a training run of a config holds, by kind (the CPU engine's arrays; the data set is extra). */
export interface MemoryEstimate {
  /** Weights and delays. */
  parameterBytes: number;
  /** Their gradients, one copy per thread. */
  gradientBytes: number;
  /** Adam's two float64 moments per trained tensor (three with AMSGrad's maximum). */
  optimizerBytes: number;
  /** Per-layer scratch: tap tables of the one- and two-tap kernels, O(outputs x Td) for the Gaussian. */
  scratchBytes: number;
  /** One batch's forward record and gradients (or one evaluation slice's record, if larger). */
  activationBytes: number;
  totalBytes: number;
}

/**
 * What training `config` will allocate, before anything is allocated: parameters, gradients,
 * optimiser state and scratch are O(synapses) per layer (O(existing synapses) where a layer
 * stores them compactly); activations are batch x time steps x
 * neurons for each layer's current, membrane and spikes and their gradients (about five arrays),
 * plus the batch's input. An estimate within tens of percent, to refuse configs that cannot fit.
 */
export function estimateTrainingMemory(
  config: ExperimentConfig,
  options: { precision: Precision; threads: number },
): MemoryEstimate {
  const real = options.precision === 'f64' ? 8 : 4;
  const { timeSteps, inputs } = config.network;
  let fanIn = inputs;
  let parameterBytes = 0;
  let gradientBytes = 0;
  let optimizerBytes = 0;
  let scratchBytes = 0;
  let neurons = 0;
  // m and v, and AMSGrad's running maximum of v: float64 each.
  const moments = config.optimizer.amsgrad === true ? 3 : 2;
  config.network.layers.forEach((layer, l) => {
    const synapses = fanIn * layer.size;
    const active = layer.connectivity < 1 ? activeSynapseCount(synapses, layer.connectivity) : synapses;
    const trained =
      (layer.trainWeights ? 1 : 0) + (layer.trainDelays && hasDelayGradient(layer.kernel.mode) ? 1 : 0);
    const td = layer.kernel.maxDelay;
    if (compactLayer(config, l)) {
      // Compact storage: one value per existing synapse, its 4-byte index, and the sparse
      // path's per-synapse lists and tap tables (a 4-byte tap and three float64s per tap: at
      // most Td taps for the Gaussian, two for the others).
      parameterBytes += (2 * real + 4) * active;
      gradientBytes += 2 * real * active * Math.max(1, options.threads);
      // RigL ranks every dormant synapse by its gradient: one value per possible synapse per thread.
      if (layer.rewiring?.regrowth === 'gradient')
        gradientBytes += real * synapses * Math.max(1, options.threads);
      optimizerBytes += trained * moments * 8 * active;
      scratchBytes += 4 * (fanIn + 1) + 8 * active + 28 * active * (layer.kernel.mode === 'gauss' ? td : 2);
    } else {
      // Dense storage; a masked layer adds its mask.
      parameterBytes += 2 * real * synapses + (active < synapses ? synapses : 0);
      gradientBytes += 2 * real * synapses * Math.max(1, options.threads);
      // A fixed mask keeps moments (and a 4-byte index) for the existing synapses only.
      const kept = layer.rewiring ? synapses : active;
      optimizerBytes += trained * (moments * 8 * kept + (kept < synapses ? 4 * kept : 0));
      scratchBytes += layer.kernel.mode === 'gauss' ? 5 * 8 * layer.size * td : (8 + 3 * real) * synapses;
    }
    neurons += layer.size;
    fanIn = layer.size;
  });
  const batchRecord = (samples: number, arrays: number): number =>
    samples * timeSteps * (arrays * real * neurons + 8 * inputs);
  const activationBytes = Math.max(
    batchRecord(config.training.batchSize, 5),
    batchRecord(EVAL_SLICE_SAMPLES, 3),
  );
  const totalBytes = parameterBytes + gradientBytes + optimizerBytes + scratchBytes + activationBytes;
  return { parameterBytes, gradientBytes, optimizerBytes, scratchBytes, activationBytes, totalBytes };
}

/** "6.3 GB", "120 MB". */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(0.1, bytes / 1e6).toFixed(1)} MB`;
}

/** A config whose estimated training memory exceeds what the machine or browser can give. */
export class MemoryLimitError extends Error {
  constructor(
    readonly estimate: MemoryEstimate,
    readonly limitBytes: number,
    limitName: string,
  ) {
    super(
      `this config needs about ${formatBytes(estimate.totalBytes)} to train ` +
        `(parameters and gradients ${formatBytes(estimate.parameterBytes + estimate.gradientBytes)}, ` +
        `Adam state ${formatBytes(estimate.optimizerBytes)}, one batch's activations ` +
        `${formatBytes(estimate.activationBytes)}), more than the ${formatBytes(limitBytes)} ${limitName}; ` +
        'use fewer neurons, a smaller batch or fewer time steps',
    );
    this.name = 'MemoryLimitError';
  }
}

/** Throws MemoryLimitError when training `config` would need more than `limitBytes`. */
export function checkTrainingMemory(
  config: ExperimentConfig,
  options: { precision: Precision; threads: number },
  limitBytes: number,
  limitName: string,
): MemoryEstimate {
  const estimate = estimateTrainingMemory(config, options);
  if (estimate.totalBytes > limitBytes) throw new MemoryLimitError(estimate, limitBytes, limitName);
  return estimate;
}
