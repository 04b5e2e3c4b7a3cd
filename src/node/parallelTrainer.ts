import { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { RealArray, Precision } from '../core/tensor.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import { Trainer, type EpochMetrics } from '../core/trainer.ts';
import type { GradientReply, GradientRequest } from './gradientWorker.ts';
import { allocateShared, viewShared } from './sharedStorage.ts';

/**
 * Data-parallel training on several CPU cores (Node): the main thread and `threads - 1` worker
 * threads each take a contiguous part of every batch; parameters live in shared memory that the
 * workers only read, each worker writes gradients to its own shared buffers, and the main thread
 * adds them to its own in a fixed order (so a run is deterministic) before one Adam step.
 * Numerically it is the single-thread `Trainer.trainStep` up to float summation order.
 */
export class ParallelTrainer {
  readonly trainer: Trainer;
  private readonly workers: Worker[];
  private readonly workerGrads: { gradWeights: RealArray; gradDelays: RealArray }[][];

  constructor(
    config: ExperimentConfig,
    threads: number,
    options: { precision?: Precision; epochs?: number; scheduleSteps?: number; data?: SpikeDataset } = {},
  ) {
    const precision = options.precision ?? 'f32';
    const shared = allocateShared(config, precision);
    this.trainer = new Trainer(config, { ...options, precision, storage: viewShared(shared, precision) });
    // Workers get the built data (a structured-clone copy), not the config alone: loaded data
    // sets cannot be rebuilt from the config.
    const data = this.trainer.data;
    this.workers = [];
    this.workerGrads = [];
    for (let w = 1; w < threads; w++) {
      const ownGrads = allocateShared(config, precision);
      this.workerGrads.push(viewShared(ownGrads, precision));
      this.workers.push(
        new Worker(new URL('./gradientWorkerEntry.js', import.meta.url), {
          workerData: { config, precision, shared, ownGrads, data },
        }),
      );
    }
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** One optimiser step on the whole batch; resolves to the batch's mean loss. */
  async trainStep(indices: ArrayLike<number>): Promise<number> {
    const all = Array.from(indices);
    const parts = this.threads;
    const per = Math.ceil(all.length / parts);
    const chunks = Array.from({ length: parts }, (_, p) => all.slice(p * per, (p + 1) * per));
    const t = this.trainer;
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

  /** One pass over the training split, each batch split across the threads. */
  async trainEpoch(onBatch?: (done: number, total: number) => void): Promise<EpochMetrics> {
    const t = this.trainer;
    const epoch = t.beginEpoch();
    for (const [k, batch] of epoch.batches.entries()) {
      epoch.sigma = t.net.synapses[0]?.sigma ?? 0;
      epoch.lossSum += (await this.trainStep(batch)) * batch.length;
      onBatch?.(k + 1, epoch.batches.length);
    }
    return t.endEpoch(epoch);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
