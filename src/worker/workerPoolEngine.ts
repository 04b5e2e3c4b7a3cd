import type { SpikeDataset } from '../core/data/tasks.ts';
import {
  DataParallelEngine,
  type EvaluationReply,
  type EvaluationRequest,
  type GradientReplica,
  type LayerGradients,
  type ReplicaRequest,
} from '../core/dataParallel.ts';
import { connectivityOf, cpuMethodWords } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { Trainer, type TrainerState } from '../core/trainer.ts';
import { CPU_KERNEL_WORDS, installedCpuKernels } from '../wasm/install.ts';
import type { FromReplica, ReplicaParameters, ToReplica } from './replicaProtocol.ts';

/** What the pool needs of a gradient Worker (a stand-in runs replicaHost.ts in-process in tests). */
export interface ReplicaWorker {
  onmessage: ((event: MessageEvent<FromReplica>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
  postMessage(message: ToReplica, transfer: Transferable[]): void;
  terminate(): void;
}

/** Starts gradient Worker `index` (1-based; the training Worker is thread 0). */
export type SpawnReplicaWorker = (index: number) => ReplicaWorker;

const spawnGradientWorker: SpawnReplicaWorker = (index) =>
  new Worker(new URL('./gradient.worker.ts', import.meta.url), {
    type: 'module',
    name: `delaylab-gradients-${index}`,
  });

/** At most this many threads train one run: beyond it the per-step copies outweigh the gain. */
export const MAX_CPU_THREADS = 8;

/** How long a gradient Worker may take to load and build its replica (ms). */
const REPLICA_START_MS = 30_000;

/**
 * A gradient Worker holding a replica; each step, and each share of an evaluation, sends it the
 * parameters (float32 copies).
 */
class WorkerReplica implements GradientReplica {
  private pending: { resolve: (reply: FromReplica) => void; reject: (e: Error) => void } | null = null;
  /** Why the Worker can no longer answer; every request then fails at once. */
  private dead: Error | null = null;

  constructor(
    private readonly worker: ReplicaWorker,
    private readonly model: Trainer,
    readonly index: number,
  ) {
    worker.onmessage = (event: MessageEvent<FromReplica>) => {
      const pending = this.pending;
      this.pending = null;
      pending?.resolve(event.data);
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.fail(`gradient Worker ${index} failed: ${event.message || 'it could not be loaded'}`);
    };
    worker.onmessageerror = () => this.fail(`gradient Worker ${index} sent a message that could not be read`);
  }

  /** The Worker failed: its pending request and every later one are refused (a late reply is never taken for another request's). */
  private fail(message: string): void {
    this.dead ??= new Error(message);
    const pending = this.pending;
    this.pending = null;
    pending?.reject(new Error(message));
  }

  private send(message: ToReplica, transfer: Transferable[]): Promise<FromReplica> {
    if (this.dead) return Promise.reject(this.dead);
    if (this.pending) return Promise.reject(new Error(`gradient Worker ${this.index} is busy`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }

  async start(config: ExperimentConfig, data: SpikeDataset): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`gradient Worker ${this.index} did not start within ${REPLICA_START_MS / 1000} s`),
          ),
        REPLICA_START_MS,
      );
    });
    try {
      const reply = await Promise.race([
        this.send(
          {
            type: 'init',
            config,
            data,
            kernels: installedCpuKernels(),
            structure: this.model.net.synapses.map((s) => s.synapseIndex),
            rewiringSeeds: this.model.rewiringSeeds(),
          },
          [],
        ),
        timeout,
      ]);
      if (reply.type === 'error') throw new Error(`gradient Worker ${this.index}: ${reply.message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The training Worker's current parameters, as float32 copies the message transfers. */
  private parameters(): { parameters: ReplicaParameters[]; transfer: Transferable[] } {
    const parameters = this.model.net.synapses.map((s) => ({
      weights: Float32Array.from(s.weights),
      delays: Float32Array.from(s.delays),
      // Rewiring (this Worker only) changes the masks between steps: each request sends the current ones.
      mask: s.mask ? Uint8Array.from(s.mask) : null,
      synapses: s.synapseIndex && s.structureChanges ? Int32Array.from(s.synapseIndex) : null,
    }));
    const transfer = parameters.flatMap((p) => [
      p.weights.buffer,
      p.delays.buffer,
      ...(p.mask ? [p.mask.buffer] : []),
      ...(p.synapses ? [p.synapses.buffer] : []),
    ]);
    return { parameters, transfer };
  }

  async compute(request: ReplicaRequest): Promise<{ loss: number; grads: LayerGradients[] }> {
    const { parameters, transfer } = this.parameters();
    const reply = await this.send({ type: 'step', parameters, ...request }, transfer);
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'gradients') throw new Error(`gradient Worker ${this.index} answered '${reply.type}'`);
    return { loss: reply.loss, grads: reply.grads };
  }

  /**
   * Its share of an evaluation (the parameters are copied for each share of 256 samples or
   * fewer: a few ms against the forward passes' tens to hundreds).
   */
  async evaluate(request: EvaluationRequest): Promise<EvaluationReply> {
    const { parameters, transfer } = this.parameters();
    const { indices, sigma, predictions } = request;
    const reply = await this.send({ type: 'evaluate', parameters, indices, sigma, predictions }, transfer);
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'evaluation')
      throw new Error(`gradient Worker ${this.index} answered '${reply.type}' to an evaluation`);
    return { lossSum: reply.lossSum, correct: reply.correct, predictions: reply.predictions };
  }

  dispose(): Promise<void> {
    this.fail(`gradient Worker ${this.index} was stopped`);
    this.worker.terminate();
    return Promise.resolve();
  }
}

/**
 * The playground's CPU engine: float32, data-parallel over `threads` threads: this (training)
 * Worker and threads - 1 gradient Workers, each with a replica and its own WebAssembly kernels;
 * the threads share both training steps and evaluations.
 * Deterministic for a given seed and thread count (DataParallelEngine's fixed split and order).
 */
export async function createWorkerPoolEngine(
  config: ExperimentConfig,
  data: SpikeDataset,
  state: TrainerState | null,
  threads: number,
  spawn: SpawnReplicaWorker = spawnGradientWorker,
): Promise<DataParallelEngine> {
  const model = new Trainer(config, { precision: 'f32', data });
  if (state) model.importState(state);
  const count = Math.max(1, Math.min(MAX_CPU_THREADS, Math.floor(threads)));
  const replicas: WorkerReplica[] = [];
  try {
    for (let w = 1; w < count; w++) {
      replicas.push(new WorkerReplica(spawn(w), model, w));
    }
    await Promise.all(replicas.map((r) => r.start(config, model.data)));
  } catch (e) {
    await Promise.all(replicas.map((r) => r.dispose()));
    throw e;
  }
  const kernels = installedCpuKernels();
  return new DataParallelEngine(model, replicas, {
    kind: 'cpu',
    method: config.training.method,
    connectivity: connectivityOf(config),
    description: `CPU engine (${count === 1 ? '1 thread' : `${count} threads`}, ${cpuMethodWords(config, CPU_KERNEL_WORDS[kernels])}, ${count === 1 ? 'in a Worker' : 'in Workers'})`,
    details: { engine: 'cpu', threads: count, kernels },
  });
}
