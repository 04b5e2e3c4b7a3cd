import type { Engine, EngineInfo } from './engine.ts';
import type { RealArray } from './tensor.ts';
import { sumAndCheckSlice, updateSlice, type UpdatePlan } from './train/shardedUpdate.ts';
import { TrainingDivergedError, type EvalResult, type Trainer, type TrainerState } from './trainer.ts';

/** One layer's gradients as a replica computed them. */
export interface LayerGradients {
  gradWeights: ArrayLike<number>;
  gradDelays: ArrayLike<number>;
  /** A compact RigL layer's dormant gradients (every possible synapse), when it has them. */
  dormantGradWeights?: ArrayLike<number> | null;
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

/** A replica's slice of a sharded step's gradient sum and check (see GradientReplica.sumSlice). */
export interface SumSliceRequest {
  kind: 'sumSlice';
  part: number;
  parts: number;
  /** The replicas (by index) whose gradients count this step, in order. */
  sources: number[];
}

/** A replica's slice of a sharded step's optimiser update. */
export interface UpdateSliceRequest {
  kind: 'updateSlice';
  plan: UpdatePlan;
  part: number;
  parts: number;
}

/** Sums over the replica's share, so the parts add up exactly as one pass would count them. */
export interface EvaluationReply {
  lossSum: number;
  correct: number;
  predictions: Int32Array | null;
}

/**
 * A replica's answer to an evaluation request: its share's loss sum, correct count and (when
 * asked) predicted classes, on the parameters and sigma it was given.
 */
export function evaluateShare(replica: Trainer, indices: number[], predictions: boolean): EvaluationReply {
  const predicted = predictions ? new Int32Array(indices.length) : null;
  const r = replica.evaluate(indices, predicted ?? undefined);
  const n = indices.length;
  return { lossSum: r.loss * n, correct: Math.round((r.accuracy ?? 0) * n), predictions: predicted };
}

/**
 * A copy of the network in another thread (a Node worker thread, a browser Worker) that computes
 * gradients on the model's current parameters, and (where it can) evaluates a share of a split.
 * How the parameters get there (shared memory, a copy per step) is the replica's business.
 */
export interface GradientReplica {
  compute(request: ReplicaRequest): Promise<{ loss: number; grads: LayerGradients[] }>;
  /**
   * Its slice of a sharded optimiser step's first phase (where the replicas share memory with the
   * main trainer): sumAndCheckSlice over slice `part` of `parts` with the gradients of replicas
   * `sources` (those that computed a share this step); answers the first bad layer or -1.
   */
  sumSlice?(request: SumSliceRequest): Promise<number>;
  /** Its slice of a sharded step's second phase: updateSlice with the main trainer's plan. */
  updateSlice?(request: UpdateSliceRequest): Promise<void>;
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

/**
 * How long a replica may stay silent after the calling thread finished its own share (every
 * thread gets an equal share, so a healthy replica answers soon after): the larger of `floorMs`
 * and `ownShareFactor` times the calling thread's share, in ms; `firstFloorMs` instead of
 * `floorMs` until the replicas have answered once (their first answer waits on their start-up:
 * loading the code, building a replica). A browser that stops a Worker (out of memory, say) may
 * fire no error event at all; past this limit the call fails with a message instead of waiting
 * for ever.
 */
export interface StallLimit {
  floorMs: number;
  firstFloorMs: number;
  ownShareFactor: number;
}

export const DEFAULT_STALL_LIMIT: StallLimit = {
  floorMs: 120_000,
  firstFloorMs: 600_000,
  ownShareFactor: 50,
};

/** A replica did not answer within the stall limit; the engine cannot go on with it. */
export class ReplicaStalledError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplicaStalledError';
  }
}

/**
 * Runs the calling thread's share while the replicas' replies come in, then returns both; a
 * replica's failure is thrown (as `<what> N: why`) only after every reply has settled, so none is
 * left unobserved. A replica still silent `limitMs(own share's ms)` after the calling thread's
 * share fails it with ReplicaStalledError (with the calling thread's own error, if it had one,
 * as its cause).
 */
async function alongside<Own, Reply>(
  replies: (Promise<Reply> | null)[],
  what: string,
  ownShare: () => Own,
  limitMs: (ownMs: number) => number,
): Promise<{ own: Own; answers: (Reply | null)[] }> {
  const answered = replies.map((r) => r === null);
  const settled = Promise.allSettled(
    replies.map((r, w) => (r ?? Promise.resolve(null)).finally(() => (answered[w] = true))),
  );
  const started = performance.now();
  let own: { value: Own } | { error: unknown };
  try {
    own = { value: ownShare() };
  } catch (e) {
    own = { error: e };
  }
  const limit = limitMs(performance.now() - started);
  await withinStallLimit(settled, limit, () => {
    const silent = answered.flatMap((done, w) => (done ? [] : [`${what} ${w + 1}`]));
    return new ReplicaStalledError(
      `${silent.join(', ')} gave no answer within ${(limit / 1000).toFixed(1)} s of the calling ` +
        'thread finishing its equal share: it may have stopped (out of memory?) or hung. Go on ' +
        'from the last saved checkpoint (the playground: reload the run; delaylab: train --resume).',
      'error' in own ? { cause: own.error } : undefined,
    );
  });
  if ('error' in own) throw own.error;
  const answers = (await settled).map((answer, w) => {
    if (answer.status === 'fulfilled') return answer.value;
    const why = answer.reason instanceof Error ? answer.reason.message : String(answer.reason);
    throw new Error(`${what} ${w + 1}: ${why}`, { cause: answer.reason });
  });
  return { own: own.value, answers };
}

/**
 * What `done` gives, or the error `stalled` makes once `limitMs` pass first. The time is
 * counted in ticks of a repeating timer (a twentieth of the limit, at most 1 s), not read off
 * the clock: when
 * this thread could not run for a while (the process stopped with SIGSTOP, a long synchronous
 * task), the pause counts as one tick, so a replica's answer that came meanwhile is read first
 * unless that tick was the limit's last. A replica paused while this thread runs (a debugger on
 * its Worker) looks the same as one that stopped.
 */
export async function withinStallLimit<T>(
  done: Promise<T>,
  limitMs: number,
  stalled: () => Error,
): Promise<T> {
  const tickMs = Math.max(1, Math.min(1000, limitMs / 20));
  const ticksAllowed = Math.ceil(limitMs / tickMs);
  let ticks = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (++ticks >= ticksAllowed) reject(stalled());
    }, tickMs);
  });
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearInterval(timer);
  }
}

function addInto(target: RealArray, source: ArrayLike<number>): void {
  for (let q = 0; q < target.length; q++) target[q]! += source[q]!;
}

/**
 * Whether an engine over these replicas can split each optimiser step over its threads: every
 * replica steps slices (it shares the moments' memory) and the model has no rewiring (which
 * changes the mask between steps on one thread).
 */
export function canShardUpdate(model: Trainer, replicas: readonly GradientReplica[]): boolean {
  return replicas.length > 0 && replicas.every((r) => r.sumSlice && r.updateSlice) && model.updateSliceable;
}

/**
 * Data-parallel training: the calling thread and its replicas each take a part of every batch;
 * the replicas' gradients are added to the calling thread's in replica order (so a run is
 * deterministic for a given seed and thread count), then one optimiser step follows.
 * Numerically it is `Trainer.trainStep` up to float summation order.
 */
export class DataParallelEngine implements Engine {
  readonly pipelined = false;

  /** Whether optimiser steps are split over the threads (see shardedUpdate.ts). */
  readonly shardedUpdate: boolean;

  /** How long a silent replica is waited for (see StallLimit). */
  private readonly stall: StallLimit;

  constructor(
    readonly model: Trainer,
    private readonly replicas: readonly GradientReplica[],
    readonly info: EngineInfo,
    options: {
      /**
       * The model's moments are in memory the replicas share and step slices of (their sumSlice
       * and updateSlice): split each optimiser step over the threads where the model allows it.
       */
      shardUpdate?: boolean;
      stallLimit?: StallLimit;
    } = {},
  ) {
    this.shardedUpdate = (options.shardUpdate ?? false) && canShardUpdate(model, replicas);
    this.stall = options.stallLimit ?? DEFAULT_STALL_LIMIT;
  }

  /**
   * Why the replicas can be asked nothing more: one stalled (it may still answer its old
   * request, and a replica answers one request at a time). Training steps are refused;
   * evaluations run on the calling thread alone. The model itself is intact, so its state may
   * still be saved, unless an update was torn as well.
   */
  private stalled: string | null = null;

  /** Whether the replicas answered a call yet (see StallLimit.firstFloorMs). */
  private answeredOnce = false;

  /** Runs `alongside` with this engine's stall limit, remembering a stall for later calls. */
  private async withReplicas<Own, Reply>(
    replies: (Promise<Reply> | null)[],
    what: string,
    ownShare: () => Own,
  ): Promise<{ own: Own; answers: (Reply | null)[] }> {
    const floorMs = this.answeredOnce ? this.stall.floorMs : this.stall.firstFloorMs;
    try {
      const result = await alongside(replies, what, ownShare, (ownMs) =>
        Math.max(floorMs, this.stall.ownShareFactor * ownMs),
      );
      this.answeredOnce = true;
      return result;
    } catch (e) {
      if (e instanceof ReplicaStalledError) this.stalled = e.message;
      throw e;
    }
  }

  /**
   * Why the model can no longer be trusted, once a thread failed in the middle of a split
   * optimiser step: some slices of the parameters and moments were stepped, others not. The
   * engine then refuses to train or to give its state (so no checkpoint is taken of it; the one
   * stored last stays).
   */
  private torn: string | null = null;

  get threads(): number {
    return this.replicas.length + 1;
  }

  async step(batch: readonly number[]): Promise<number> {
    if (this.torn) throw new Error(this.torn);
    // Checked before any request goes out: a stalled replica would refuse it.
    if (this.stalled) throw new ReplicaStalledError(this.stalled);
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
    const { own, answers } = await this.withReplicas(replies, 'gradient thread', () => {
      t.net.zeroGrad();
      return (t.accumulateGradients(chunks[0]!, all.length) * chunks[0]!.length) / all.length;
    });
    let loss = own;
    if (this.shardedUpdate) {
      answers.forEach((answer, w) => {
        if (answer !== null) loss += (answer.loss * chunks[w + 1]!.length) / all.length;
      });
      await this.shardedStep(answers.map((answer) => answer?.grads ?? null));
      return loss;
    }
    answers.forEach((answer, w) => {
      if (answer === null) return;
      loss += (answer.loss * chunks[w + 1]!.length) / all.length;
      answer.grads.forEach((g, l) => {
        const s = t.net.synapses[l]!;
        // A frozen tensor's gradients are zero in every thread.
        if (s.computeWeightGrad) addInto(s.gradWeights, g.gradWeights);
        if (s.computeDelayGrad) addInto(s.gradDelays, g.gradDelays);
        if (s.dormantGradWeights && s.computeWeightGrad) {
          if (!g.dormantGradWeights)
            throw new Error(`layer ${l}: a gradient thread sent no dormant gradients`);
          addInto(s.dormantGradWeights, g.dormantGradWeights);
        }
      });
    });
    t.applyUpdate();
    return loss;
  }

  /**
   * The optimiser step split over the threads: every thread sums and checks its slice of the
   * gradients; if all are finite, every thread steps Adam and clamps its slice (shardedUpdate.ts).
   * `grads`: each replica's gradients, null where it had no share of this batch.
   */
  private async shardedStep(grads: (LayerGradients[] | null)[]): Promise<void> {
    const t = this.model;
    const parts = this.threads;
    const sources = grads.flatMap((g, w) => (g === null ? [] : [w]));
    const updated = t.updatedTensors();
    const summed = await this.withReplicas(
      this.replicas.map((r, w) => r.sumSlice!({ kind: 'sumSlice', part: w + 1, parts, sources })),
      'gradient thread',
      () =>
        sumAndCheckSlice(
          t.net.synapses,
          sources.map((w) => grads[w]!),
          updated,
          0,
          parts,
        ),
    );
    const bad = [summed.own, ...summed.answers].filter((l): l is number => l !== null && l >= 0);
    if (bad.length > 0) throw new TrainingDivergedError(`a gradient of layer ${Math.min(...bad)}`, t.step);
    const plan = t.beginUpdate();
    const moments = t.layerMoments(plan.hyper);
    try {
      await this.withReplicas(
        this.replicas.map((r, w) => r.updateSlice!({ kind: 'updateSlice', plan, part: w + 1, parts })),
        'gradient thread',
        () => updateSlice(t.net.synapses, moments, plan, 0, parts),
      );
    } catch (e) {
      this.torn =
        `The model was left part-updated at step ${t.step} (${e instanceof Error ? e.message : String(e)}); ` +
        'reload the run to go on from its last saved checkpoint.';
      throw new Error(this.torn, { cause: e });
    }
    t.finishUpdate();
  }

  /**
   * Loss and accuracy on `indices` with the current parameters, the samples split across the
   * threads as a batch is (contiguous parts, the calling thread's first); predictions, when
   * asked, land in order. The same numbers as `model.evaluate` but for float summation order of
   * the loss. Without replicas that evaluate (or after a stall), it is `model.evaluate`.
   */
  async evaluate(indices: Int32Array, predictions?: Int32Array): Promise<EvalResult> {
    const t = this.model;
    if (this.replicas.length === 0 || this.replicas.some((r) => !r.evaluate) || this.stalled)
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
    const mine = chunks[0]!;
    const { own, answers } = await this.withReplicas(replies, 'evaluation thread', () =>
      t.evaluate(mine, predictions?.subarray(0, mine.length)),
    );
    let lossSum = own.loss * mine.length;
    let correct = Math.round((own.accuracy ?? 0) * mine.length);
    let offset = mine.length;
    answers.forEach((answer, w) => {
      if (answer === null) return;
      lossSum += answer.lossSum;
      correct += answer.correct;
      if (predictions && answer.predictions) predictions.set(answer.predictions, offset);
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
    if (this.torn) return Promise.reject(new Error(this.torn));
    return Promise.resolve(this.model.exportState());
  }

  async dispose(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.dispose()));
  }
}
