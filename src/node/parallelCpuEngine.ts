import { Worker } from 'node:worker_threads';
import { canShardUpdate, DataParallelEngine, type StallLimit } from '../core/dataParallel.ts';
import { connectivityOf, cpuMethodWords } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import {
  shareModel,
  type SharedModelOptions,
  type SharedReplicaSetup,
} from '../core/parallel/sharedModel.ts';
import { SharedReplicaClient } from '../core/parallel/sharedReplicaClient.ts';
import type { GradientReply } from '../core/parallel/sharedReplicaHost.ts';
import { viewShared } from '../core/parallel/sharedStorage.ts';
import { cpuKernelsFromEnv, CPU_KERNEL_WORDS, installCpuKernels, type CpuKernels } from '../wasm/install.ts';

/** A worker thread holding a shared-memory replica (sharedReplicaHost.ts), wired to its client. */
class WorkerThreadReplica extends SharedReplicaClient {
  constructor(
    readonly worker: Worker,
    setup: SharedReplicaSetup,
  ) {
    super(
      (request) => worker.postMessage(request),
      viewShared(setup.ownGrads, setup.precision),
      async () => {
        await worker.terminate();
      },
    );
    // Listened to for the thread's whole life: an error between requests must not crash the
    // process, and a thread that exits must not leave the next step waiting for ever.
    worker.on('message', (reply: GradientReply) => this.receive(reply));
    worker.on('error', (e: Error) => this.fail(e));
    worker.on('messageerror', (e: Error) => this.fail(e));
    worker.on('exit', (code: number) => {
      if (!this.stopped) this.fail(new Error(`the gradient thread exited (code ${code})`));
    });
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
    options: SharedModelOptions & {
      /** The float32 loops every thread runs; default from DELAYLAB_CPU_KERNELS (WebAssembly SIMD). */
      kernels?: CpuKernels;
      /** How long a silent thread is waited for (DataParallelEngine's default if absent). */
      stallLimit?: StallLimit;
    } = {},
  ) {
    const { kernels: wanted, stallLimit, ...modelOptions } = options;
    // This thread's kernels; the workers install the same ones.
    const kernels = installCpuKernels(wanted ?? cpuKernelsFromEnv(process.env));
    const { model, shardUpdate, setups } = shareModel(config, threads, modelOptions);
    const replicas = setups.map(
      (setup) =>
        new WorkerThreadReplica(
          new Worker(new URL('./gradientWorkerEntry.js', import.meta.url), {
            workerData: { ...setup, kernels },
          }),
          setup,
        ),
    );
    super(
      model,
      replicas,
      {
        kind: 'cpu',
        method: config.training.method,
        connectivity: connectivityOf(config),
        description: `CPU engine (${threads} thread${threads === 1 ? '' : 's'}, ${cpuMethodWords(config, CPU_KERNEL_WORDS[kernels])})`,
        details: {
          engine: 'cpu',
          threads,
          kernels,
          splitOptimiserStep: shardUpdate && canShardUpdate(model, replicas),
        },
      },
      { shardUpdate, ...(stallLimit ? { stallLimit } : {}) },
    );
  }
}
