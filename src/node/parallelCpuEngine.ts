import { Worker } from 'node:worker_threads';
import {
  DataParallelEngine,
  type EvaluationReply,
  type EvaluationRequest,
  type GradientReplica,
  type ReplicaRequest,
  type SumSliceRequest,
  type UpdateSliceRequest,
} from '../core/dataParallel.ts';
import { connectivityOf, cpuMethodWords } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { RealArray, Precision } from '../core/tensor.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import { initialStructure, Trainer, type TrainerState } from '../core/trainer.ts';
import type { GradientReply, GradientRequest } from './gradientWorker.ts';
import { allocateShared, shareMoments, sharedStructure, viewShared } from './sharedStorage.ts';
import { cpuKernelsFromEnv, CPU_KERNEL_WORDS, installCpuKernels, type CpuKernels } from '../wasm/install.ts';

/**
 * A worker thread holding a replica whose parameters are views of the main thread's shared
 * memory (read-only there) and whose gradients live in shared memory of its own.
 */
class WorkerThreadReplica implements GradientReplica {
  private pending: { resolve: (reply: GradientReply) => void; reject: (e: Error) => void } | null = null;
  /** Why the thread can no longer answer (it failed or exited); every request then fails at once. */
  private dead: Error | null = null;
  private disposed = false;

  constructor(
    private readonly worker: Worker,
    private readonly grads: {
      gradWeights: RealArray;
      gradDelays: RealArray;
      dormantGradWeights?: RealArray;
    }[],
  ) {
    // Listened to for the thread's whole life: an error between requests must not crash the
    // process, and a thread that exits must not leave the next step waiting for ever.
    worker.on('message', (reply: GradientReply) => {
      const pending = this.pending;
      this.pending = null;
      pending?.resolve(reply);
    });
    worker.on('error', (e: Error) => this.fail(e));
    worker.on('messageerror', (e: Error) => this.fail(e));
    worker.on('exit', (code: number) => {
      if (!this.disposed) this.fail(new Error(`the gradient thread exited (code ${code})`));
    });
  }

  private fail(e: Error): void {
    this.dead ??= e;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(e);
  }

  private ask(request: GradientRequest): Promise<GradientReply> {
    if (this.dead) return Promise.reject(this.dead);
    // One request at a time: replies carry no id, so a second one would take the first's answer.
    if (this.pending) return Promise.reject(new Error('the gradient thread is still answering a request'));
    return new Promise<GradientReply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(request);
    }).then((reply) => {
      if (!reply.ok) throw new Error(reply.message);
      return reply;
    });
  }

  sumSlice(request: SumSliceRequest): Promise<number> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('firstBadLayer' in reply))
        throw new Error('the gradient thread did not answer the sum');
      return reply.firstBadLayer;
    });
  }

  updateSlice(request: UpdateSliceRequest): Promise<void> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('updated' in reply))
        throw new Error('the gradient thread did not answer the update');
    });
  }

  compute(request: ReplicaRequest): ReturnType<GradientReplica['compute']> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('loss' in reply))
        throw new Error('the gradient thread did not answer the gradients');
      return { loss: reply.loss, grads: this.grads };
    });
  }

  evaluate(request: EvaluationRequest): Promise<EvaluationReply> {
    return this.ask(request).then((reply) => {
      if (!reply.ok || !('lossSum' in reply))
        throw new Error('the gradient thread did not answer the evaluation');
      return { lossSum: reply.lossSum, correct: reply.correct, predictions: reply.predictions };
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.fail(new Error('the gradient thread was stopped'));
    await this.worker.terminate();
  }
}

/**
 * Data-parallel training on several CPU cores (Node): the main thread and `threads - 1` worker
 * threads each take a contiguous part of every batch (DataParallelEngine); parameters live in
 * shared memory that the workers only read, so nothing is copied per step. With one thread it
 * is the CPU engine with no worker at all.
 */
export class ParallelCpuEngine extends DataParallelEngine {
  constructor(
    config: ExperimentConfig,
    threads: number,
    options: {
      precision?: Precision;
      epochs?: number;
      scheduleSteps?: number;
      data?: SpikeDataset;
      /** A saved state (from either engine) to start from instead of the seed's initialisation. */
      state?: TrainerState | null;
      /** The float32 loops every thread runs; default from DELAYLAB_CPU_KERNELS (WebAssembly SIMD). */
      kernels?: CpuKernels;
      /** false: the main thread steps the optimiser alone (the same numbers; for comparisons). */
      shardUpdate?: boolean;
    } = {},
  ) {
    const { state, kernels: wanted, shardUpdate: shardWanted, ...trainerOptions } = options;
    // This thread's kernels; the workers install the same ones.
    const kernels = installCpuKernels(wanted ?? cpuKernelsFromEnv(process.env));
    const precision = options.precision ?? 'f32';
    // Compact layers' sizes (the seed's draw decides them) before any shared memory is made.
    const structure = sharedStructure(initialStructure(config));
    const shared = allocateShared(config, precision, structure);
    const model = new Trainer(config, {
      ...trainerOptions,
      precision,
      storage: viewShared(shared, precision),
      structure,
    });
    if (state) model.importState(state);
    // Workers get the built data (a structured-clone copy), not the config alone: loaded data
    // sets cannot be rebuilt from the config.
    const data = model.data;
    // Masks in shared memory: rewiring (main thread only) changes them, and every gradient
    // thread must mask with the current ones (a copy would miss regrown synapses).
    const masks = model.net.synapses.map((s) => {
      if (!s.mask) return null;
      const shared = new Uint8Array(new SharedArrayBuffer(s.mask.length));
      shared.set(s.mask);
      s.mask = shared;
      return shared;
    });
    // Every replica's gradients, and the optimiser's moments, in shared memory: each thread sums,
    // checks and steps its slice of every tensor (shardedUpdate.ts); not with rewiring.
    const replicaGrads = Array.from({ length: threads - 1 }, () =>
      allocateShared(config, precision, structure),
    );
    const shardUpdate = shardWanted !== false && threads > 1 && model.updateSliceable;
    const moments = shardUpdate ? shareMoments(model) : null;
    const replicas: WorkerThreadReplica[] = [];
    for (let w = 1; w < threads; w++) {
      const ownGrads = replicaGrads[w - 1]!;
      const worker = new Worker(new URL('./gradientWorkerEntry.js', import.meta.url), {
        workerData: {
          config,
          precision,
          shared,
          ownGrads,
          replicaGrads,
          moments,
          data,
          kernels,
          masks,
          structure,
          rewiringSeeds: model.rewiringSeeds(),
        },
      });
      replicas.push(new WorkerThreadReplica(worker, viewShared(ownGrads, precision)));
    }
    super(
      model,
      replicas,
      {
        kind: 'cpu',
        method: config.training.method,
        connectivity: connectivityOf(config),
        description: `CPU engine (${threads} thread${threads === 1 ? '' : 's'}, ${cpuMethodWords(config, CPU_KERNEL_WORDS[kernels])})`,
        details: { engine: 'cpu', threads, kernels },
      },
      shardUpdate,
    );
  }
}
