import { Worker } from 'node:worker_threads';
import { connectivityOf, type Engine, type EngineInfo } from '../core/engine.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { RealArray, Precision } from '../core/tensor.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import { Trainer, type TrainerState } from '../core/trainer.ts';
import type { GradientReply, GradientRequest } from './gradientWorker.ts';
import { allocateShared, viewShared } from './sharedStorage.ts';
import { cpuKernelsFromEnv, installCpuKernels, type CpuKernels } from '../wasm/install.ts';

/** How the engine names its kernels in its description. */
const KERNEL_WORDS: Record<CpuKernels, string> = {
  'wasm-simd': 'WebAssembly SIMD',
  typescript: 'TypeScript loops',
};

/**
 * Data-parallel training on several CPU cores (Node): the main thread and `threads - 1` worker
 * threads each take a contiguous part of every batch; parameters live in shared memory that the
 * workers only read, each worker writes gradients to its own shared buffers, and the main thread
 * adds them to its own in a fixed order (so a run is deterministic) before one Adam step.
 * Numerically it is the single-thread `Trainer.trainStep` up to float summation order.
 * With one thread it is the CPU reference engine with no worker at all.
 */
export class ParallelCpuEngine implements Engine {
  readonly model: Trainer;
  readonly info: EngineInfo;
  readonly pipelined = false;
  private readonly workers: Worker[];
  private readonly workerGrads: { gradWeights: RealArray; gradDelays: RealArray }[][];

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
    } = {},
  ) {
    const { state, kernels: wanted, ...trainerOptions } = options;
    // This thread's kernels; the workers install the same ones.
    const { kernels } = installCpuKernels(wanted ?? cpuKernelsFromEnv(process.env));
    const precision = options.precision ?? 'f32';
    const shared = allocateShared(config, precision);
    this.model = new Trainer(config, {
      ...trainerOptions,
      precision,
      storage: viewShared(shared, precision),
    });
    if (state) this.model.importState(state);
    // Workers get the built data (a structured-clone copy), not the config alone: loaded data
    // sets cannot be rebuilt from the config.
    const data = this.model.data;
    this.workers = [];
    this.workerGrads = [];
    for (let w = 1; w < threads; w++) {
      const ownGrads = allocateShared(config, precision);
      this.workerGrads.push(viewShared(ownGrads, precision));
      this.workers.push(
        new Worker(new URL('./gradientWorkerEntry.js', import.meta.url), {
          workerData: { config, precision, shared, ownGrads, data, kernels },
        }),
      );
    }
    this.info = {
      kind: 'cpu',
      method: 'bptt',
      connectivity: connectivityOf(config),
      description: `CPU engine (${threads} thread${threads === 1 ? '' : 's'}, ${KERNEL_WORDS[kernels]})`,
      details: { engine: 'cpu', threads, kernels },
    };
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** One optimiser step on the whole batch; resolves to the batch's mean loss. */
  async step(indices: readonly number[]): Promise<number> {
    const all = Array.from(indices);
    const parts = this.threads;
    const per = Math.ceil(all.length / parts);
    const chunks = Array.from({ length: parts }, (_, p) => all.slice(p * per, (p + 1) * per));
    const t = this.model;
    const sigma = t.net.synapses[0]?.sigma ?? 1;
    const replies = this.workers.map((worker, w) => {
      const chunk = chunks[w + 1]!;
      if (chunk.length === 0) return Promise.resolve({ ok: true, loss: 0 } as GradientReply);
      return new Promise<GradientReply>((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        worker.once('error', onError);
        worker.once('message', (reply: GradientReply) => {
          worker.off('error', onError);
          resolve(reply);
        });
        worker.postMessage({
          indices: chunk,
          batchTotal: all.length,
          sigma,
          step: t.step,
        } satisfies GradientRequest);
      });
    });
    t.net.zeroGrad();
    const mine = t.accumulateGradients(chunks[0]!, all.length);
    let loss = (mine * chunks[0]!.length) / all.length;
    const answers = await Promise.all(replies);
    answers.forEach((a, w) => {
      if (!a.ok) throw new Error(`gradient worker ${w + 1}: ${a.message}`);
      loss += (a.loss * chunks[w + 1]!.length) / all.length;
      this.workerGrads[w]!.forEach((g, l) => {
        const s = t.net.synapses[l]!;
        for (let q = 0; q < g.gradWeights.length; q++) s.gradWeights[q]! += g.gradWeights[q]!;
        for (let q = 0; q < g.gradDelays.length; q++) s.gradDelays[q]! += g.gradDelays[q]!;
      });
    });
    t.applyUpdate();
    return loss;
  }

  /** The parameters live in the model's own (shared) arrays: nothing to copy. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  exportState(): Promise<TrainerState> {
    return Promise.resolve(this.model.exportState());
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
