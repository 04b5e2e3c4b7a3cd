import type { Engine, EngineInfo } from './engine.ts';
import type { RealArray } from './tensor.ts';
import type { EvalResult, Trainer, TrainerState } from './trainer.ts';

/** One layer's gradients as a replica computed them. */
export interface LayerGradients {
  gradWeights: ArrayLike<number>;
  gradDelays: ArrayLike<number>;
}

/** What a replica computes: the summed-into-the-mean gradients of its part of a batch. */
export interface ReplicaRequest {
  indices: number[];
  /** The whole batch's size: each part's loss and gradients are scaled by 1 / batchTotal. */
  batchTotal: number;
  sigma: number;
  step: number;
}

/** A replica's share of an evaluation: forward passes only, on the model's current parameters. */
export interface EvaluationRequest {
  kind: 'evaluate';
  indices: number[];
  sigma: number;
  /** Also answer each sample's predicted class (-1: no output spike). */
  predictions: boolean;
}

/** Sums over the replica's share, so the parts add up exactly as one pass would count them. */
export interface EvaluationReply {
  lossSum: number;
  correct: number;
  predictions: Int32Array | null;
}

/**
 * A copy of the network in another thread (a Node worker thread, a browser Worker) that computes
 * gradients on the model's current parameters, and (where it can) evaluates a share of a split.
 * How the parameters get there (shared memory, a copy per step) is the replica's business.
 */
export interface GradientReplica {
  compute(request: ReplicaRequest): Promise<{ loss: number; grads: LayerGradients[] }>;
  /** Absent: evaluation stays on the calling thread. */
  evaluate?(request: EvaluationRequest): Promise<EvaluationReply>;
  dispose(): Promise<void>;
}

/**
 * Contiguous parts of a batch, one per thread in thread order (the calling thread's first): the
 * same split on every engine, so a run is reproducible for a given thread count.
 */
export function splitBatch(indices: readonly number[], parts: number): number[][] {
  const per = Math.ceil(indices.length / parts);
  return Array.from({ length: parts }, (_, p) => indices.slice(p * per, (p + 1) * per));
}

function addInto(target: RealArray, source: ArrayLike<number>): void {
  for (let q = 0; q < target.length; q++) target[q]! += source[q]!;
}

/**
 * Data-parallel training: the calling thread and its replicas each take a part of every batch;
 * the replicas' gradients are added to the calling thread's in replica order (so a run is
 * deterministic for a given seed and thread count), then one optimiser step follows.
 * Numerically it is `Trainer.trainStep` up to float summation order.
 */
export class DataParallelEngine implements Engine {
  readonly pipelined = false;

  constructor(
    readonly model: Trainer,
    private readonly replicas: readonly GradientReplica[],
    readonly info: EngineInfo,
  ) {}

  get threads(): number {
    return this.replicas.length + 1;
  }

  async step(batch: readonly number[]): Promise<number> {
    const all = Array.from(batch);
    const chunks = splitBatch(all, this.threads);
    const t = this.model;
    const request = (indices: number[]): ReplicaRequest => ({
      indices,
      batchTotal: all.length,
      sigma: t.net.synapses[0]?.sigma ?? 1,
      step: t.step,
    });
    const replies = this.replicas.map((replica, w) => {
      const chunk = chunks[w + 1]!;
      return chunk.length === 0 ? null : replica.compute(request(chunk));
    });
    // Settled before anything can throw, so no reply is left unobserved.
    const settled = Promise.allSettled(replies.map((r) => r ?? Promise.resolve(null)));
    let loss = 0;
    try {
      t.net.zeroGrad();
      loss = (t.accumulateGradients(chunks[0]!, all.length) * chunks[0]!.length) / all.length;
    } finally {
      await settled;
    }
    const answers = await settled;
    answers.forEach((answer, w) => {
      if (answer.status === 'rejected') {
        const why = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
        throw new Error(`gradient thread ${w + 1}: ${why}`, { cause: answer.reason });
      }
      if (answer.value === null) return;
      loss += (answer.value.loss * chunks[w + 1]!.length) / all.length;
      answer.value.grads.forEach((g, l) => {
        const s = t.net.synapses[l]!;
        // A frozen tensor's gradients are zero in every thread.
        if (s.computeWeightGrad) addInto(s.gradWeights, g.gradWeights);
        if (s.computeDelayGrad) addInto(s.gradDelays, g.gradDelays);
      });
    });
    t.applyUpdate();
    return loss;
  }

  /**
   * Loss and accuracy on `indices` with the current parameters, the samples split across the
   * threads as a batch is (contiguous parts, the calling thread's first); predictions, when
   * asked, land in order. The same numbers as `model.evaluate` but for float summation order of
   * the loss. Without replicas that evaluate, it is `model.evaluate`.
   */
  async evaluate(indices: Int32Array, predictions?: Int32Array): Promise<EvalResult> {
    const t = this.model;
    if (this.replicas.length === 0 || this.replicas.some((r) => !r.evaluate))
      return t.evaluate(indices, predictions);
    const chunks = splitBatch(Array.from(indices), this.threads);
    const sigma = t.net.synapses[0]?.sigma ?? 1;
    const replies = this.replicas.map((replica, w) => {
      const chunk = chunks[w + 1]!;
      return chunk.length === 0
        ? null
        : replica.evaluate!({
            kind: 'evaluate',
            indices: chunk,
            sigma,
            predictions: predictions !== undefined,
          });
    });
    const settled = Promise.allSettled(replies.map((r) => r ?? Promise.resolve(null)));
    const own = chunks[0]!;
    let lossSum = 0;
    let correct = 0;
    try {
      const r = t.evaluate(own, predictions?.subarray(0, own.length));
      lossSum = r.loss * own.length;
      correct = Math.round((r.accuracy ?? 0) * own.length);
    } finally {
      await settled;
    }
    let offset = own.length;
    (await settled).forEach((answer, w) => {
      if (answer.status === 'rejected') {
        const why = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
        throw new Error(`evaluation thread ${w + 1}: ${why}`, { cause: answer.reason });
      }
      if (answer.value === null) return;
      lossSum += answer.value.lossSum;
      correct += answer.value.correct;
      if (predictions && answer.value.predictions) predictions.set(answer.value.predictions, offset);
      offset += chunks[w + 1]!.length;
    });
    const n = indices.length;
    return { loss: n ? lossSum / n : 0, accuracy: t.data.labels && n ? correct / n : null, samples: n };
  }

  /** The parameters live in the model's own arrays: nothing to copy. */
  sync(): Promise<void> {
    return Promise.resolve();
  }

  exportState(): Promise<TrainerState> {
    return Promise.resolve(this.model.exportState());
  }

  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.dispose()));
  }
}
