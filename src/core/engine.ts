import type { ExperimentConfig } from './experiment.ts';
import type { SpikeDataset } from './data/tasks.ts';
import type { Precision } from './tensor.ts';
import { Trainer, type EvalResult, type TrainerState } from './trainer.ts';

/**
 * How an engine computes gradients: BPTT (surrogate gradients through every time step) or
 * EventProp (exact gradients from spike times); the config's training.method chooses.
 */
export type { TrainingMethod } from './experiment/types.ts';
import type { TrainingMethod } from './experiment/types.ts';

/**
 * Which synapses exist: every pair ('dense'), or a fixed random mask ('masked', a layer's
 * `connectivity` below 1). Rewiring (DEEP R / RigL) will be a third kind, applied per step.
 */
export type Connectivity = 'dense' | 'masked';

/** What trains a run, in words the CLI, the playground and the bench all report. */
export interface EngineInfo {
  kind: 'cpu' | 'gpu';
  method: TrainingMethod;
  connectivity: Connectivity;
  /** e.g. "CPU reference engine (2 threads)" or "WebGPU: nvidia / hopper". */
  description: string;
  /** Machine-readable details for summaries (threads, GPU adapter). */
  details: Record<string, unknown>;
}

/**
 * A training engine: one optimiser step on a mini-batch, its parameters read and written, its
 * resumable state exported. The run loop (runLoop.ts) drives every engine the same way.
 *
 * `model` is the host-side model every engine keeps: the config, the data, the step and epoch
 * counters, the batch order and the schedules (sigma, learning rates), and a copy of the
 * parameters that is current after `sync()`. Evaluation, views and exports read it; an engine
 * that trains elsewhere (the GPU) copies its parameters into it on `sync()`.
 */
export interface Engine {
  readonly info: EngineInfo;
  readonly model: Trainer;
  /**
   * True when `step` may be called again before the previous step's promise settles (the GPU
   * queues steps and runs them in order); false when each step must be awaited first.
   */
  readonly pipelined: boolean;
  /** One optimiser step on these training samples; resolves to the batch's mean loss. */
  step(batch: readonly number[]): Promise<number>;
  /** Makes `model` hold the engine's current parameters (and the sigma of the current step). */
  sync(): Promise<void>;
  /**
   * Evaluates `indices` with the current parameters (after `sync`) on the engine's own threads;
   * absent: the run loop evaluates on `model`. Same contract as `Trainer.evaluate`.
   */
  evaluate?(indices: Int32Array, predictions?: Int32Array): Promise<EvalResult>;
  /** Everything a checkpoint needs: parameters, optimiser moments, counters, batch order. */
  exportState(): Promise<TrainerState>;
  /** Releases what the engine holds (threads, GPU buffers, the device). */
  dispose(): Promise<void>;
}

/**
 * The engine can no longer train and its parameters are gone (a lost GPU device). The run loop
 * continues on a fallback engine from the last checkpoint where the caller offers one.
 */
export class EngineLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineLostError';
  }
}

/**
 * What computes a CPU engine's steps, in words for its description: the kernels for BPTT
 * (`kernelWords`, e.g. "WebAssembly SIMD"), EventProp and its simulation otherwise (EventProp
 * runs in TypeScript: its work is per spike, not per synapse and step).
 */
export function cpuMethodWords(config: ExperimentConfig, kernelWords: string): string {
  const ep = config.eventprop;
  return config.training.method === 'eventprop' && ep
    ? `EventProp, ${ep.simulation} simulation`
    : kernelWords;
}

/** A config's connectivity as the engines report it. */
export function connectivityOf(config: ExperimentConfig): Connectivity {
  return config.network.layers.some((l) => l.connectivity < 1) ? 'masked' : 'dense';
}

export interface CpuEngineOptions {
  precision?: Precision;
  data?: SpikeDataset;
  /** Steps the schedules span; default epochs x steps per epoch. */
  scheduleSteps?: number;
  /** A saved state (from either engine) to start from instead of the seed's initialisation. */
  state?: TrainerState | null;
}

/** The CPU reference engine in the calling thread: the model trains itself, step by step. */
export class CpuEngine implements Engine {
  readonly info: EngineInfo;
  readonly pipelined = false;

  /** An engine around an existing model (which it trains in place). */
  constructor(
    readonly model: Trainer,
    description = 'CPU reference engine',
  ) {
    this.info = {
      kind: 'cpu',
      method: model.config.training.method,
      connectivity: connectivityOf(model.config),
      description,
      details: { engine: 'cpu', threads: 1 },
    };
  }

  /** A new model of `config` (or one restored from `options.state`) and its engine. */
  static create(config: ExperimentConfig, options: CpuEngineOptions = {}, description?: string): CpuEngine {
    const { state, ...trainerOptions } = options;
    const model = new Trainer(config, trainerOptions);
    if (state) model.importState(state);
    return new CpuEngine(model, description);
  }

  step(batch: readonly number[]): Promise<number> {
    try {
      return Promise.resolve(this.model.trainStep(batch));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  exportState(): Promise<TrainerState> {
    return Promise.resolve(this.model.exportState());
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
