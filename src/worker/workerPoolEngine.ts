import type { SpikeDataset } from '../core/data/tasks.ts';
import {
  canShardUpdate,
  DataParallelEngine,
  DEFAULT_STALL_LIMIT,
  type GradientReplica,
  type StallLimit,
} from '../core/dataParallel.ts';
import { connectivityOf, cpuMethodWords } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { shareModel, type SharedReplicaSetup } from '../core/parallel/sharedModel.ts';
import { SharedReplicaClient } from '../core/parallel/sharedReplicaClient.ts';
import type { GradientReply } from '../core/parallel/sharedReplicaHost.ts';
import { viewShared } from '../core/parallel/sharedStorage.ts';
import { Trainer, type TrainerState } from '../core/trainer.ts';
import { CPU_KERNEL_WORDS, installedCpuKernels } from '../wasm/install.ts';
import { CopyingReplica } from './copyingReplica.ts';
import {
  spawnGradientWorker,
  withStartTimeout,
  type ReplicaWorker,
  type SpawnReplicaWorker,
} from './replicaWorker.ts';

export type { ReplicaWorker, SpawnReplicaWorker } from './replicaWorker.ts';

/** At most this many threads train one run: beyond it the per-step copies outweigh the gain. */
export const MAX_CPU_THREADS = 8;

/**
 * Whether this thread can share memory with its Workers: SharedArrayBuffer exists and may be
 * posted, which browsers allow only in a cross-origin-isolated page (served with COOP
 * same-origin and COEP require-corp, as `npm start` and `npm run dev` serve it).
 */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
}

/**
 * A gradient Worker holding a replica over shared memory (sharedReplicaHost.ts, as Node's
 * worker threads run it): nothing is copied per step, and it takes its slice of each optimiser
 * step.
 */
async function sharedReplica(
  worker: ReplicaWorker,
  setup: SharedReplicaSetup,
  index: number,
): Promise<SharedReplicaClient> {
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event) => {
      const reply = event.data;
      if ('type' in reply && reply.type === 'ready') resolve();
      else reject(new Error(`gradient Worker ${index}: ${'message' in reply ? reply.message : 'no reply'}`));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`gradient Worker ${index} failed: ${event.message || 'it could not be loaded'}`));
    };
  });
  try {
    // Inside the try: a set-up that cannot be posted (DataCloneError) must not leave the Worker running.
    worker.postMessage({ type: 'init-shared', setup, kernels: installedCpuKernels() }, []);
    await withStartTimeout(ready, index);
  } catch (e) {
    worker.terminate();
    throw e;
  }
  const client = new SharedReplicaClient(
    (request) => worker.postMessage(request, []),
    viewShared(setup.ownGrads, setup.precision),
    () => {
      worker.terminate();
      return Promise.resolve();
    },
  );
  worker.onmessage = (event) => client.receive(event.data as GradientReply);
  worker.onerror = (event) => {
    event.preventDefault();
    client.fail(new Error(`gradient Worker ${index} failed: ${event.message || 'unknown error'}`));
  };
  worker.onmessageerror = () =>
    client.fail(new Error(`gradient Worker ${index} sent a message that could not be read`));
  return client;
}

/**
 * The playground's CPU engine: float32, data-parallel over `threads` threads: this (training)
 * Worker and threads - 1 gradient Workers, each with a replica and its own WebAssembly kernels;
 * the threads share both training steps and evaluations. With `sharedMemory` (a
 * cross-origin-isolated page) the parameters, gradients and optimiser moments live in shared
 * memory and every thread takes a slice of each optimiser step; without it each request carries
 * the parameters as copies and this Worker steps the optimiser alone. Both give the same numbers:
 * deterministic for a given seed and thread count (DataParallelEngine's fixed split and order).
 */
export async function createWorkerPoolEngine(
  config: ExperimentConfig,
  data: SpikeDataset,
  state: TrainerState | null,
  threads: number,
  spawn: SpawnReplicaWorker = spawnGradientWorker,
  sharedMemory = canShareMemory(),
  stallLimit: StallLimit = DEFAULT_STALL_LIMIT,
): Promise<DataParallelEngine> {
  const count = Math.max(1, Math.min(MAX_CPU_THREADS, Math.floor(threads)));
  const sharing = sharedMemory && count > 1;
  let model: Trainer;
  let shardUpdate = false;
  const replicas: GradientReplica[] = [];
  // Every Worker as soon as it exists, so that a failure part-way through start-up ends them all.
  const spawned: ReplicaWorker[] = [];
  const spawnRecorded = (index: number): ReplicaWorker => {
    const worker = spawn(index);
    spawned.push(worker);
    return worker;
  };
  try {
    if (sharing) {
      const shared = shareModel(config, count, { precision: 'f32', data, state });
      model = shared.model;
      shardUpdate = shared.shardUpdate;
      const workers = shared.setups.map((_, w) => spawnRecorded(w + 1));
      const started = await Promise.allSettled(
        shared.setups.map((setup, w) => sharedReplica(workers[w]!, setup, w + 1)),
      );
      for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value);
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      model = new Trainer(config, { precision: 'f32', data });
      if (state) model.importState(state);
      const copying: CopyingReplica[] = [];
      for (let w = 1; w < count; w++) copying.push(new CopyingReplica(spawnRecorded(w), model, w));
      replicas.push(...copying);
      await Promise.all(copying.map((r) => r.start(config, model.data)));
    }
  } catch (e) {
    await Promise.all(replicas.map((r) => r.dispose()));
    for (const worker of spawned) worker.terminate();
    throw e;
  }
  const kernels = installedCpuKernels();
  const splitStep = shardUpdate && canShardUpdate(model, replicas);
  const where =
    count === 1
      ? 'in a Worker'
      : sharing
        ? `in Workers sharing memory${splitStep ? ', optimiser step split over them' : ''}`
        : 'in Workers';
  return new DataParallelEngine(
    model,
    replicas,
    {
      kind: 'cpu',
      method: config.training.method,
      connectivity: connectivityOf(config),
      description: `CPU engine (${count === 1 ? '1 thread' : `${count} threads`}, ${cpuMethodWords(config, CPU_KERNEL_WORDS[kernels])}, ${where})`,
      details: { engine: 'cpu', threads: count, kernels, splitOptimiserStep: splitStep },
    },
    { shardUpdate, stallLimit },
  );
}
