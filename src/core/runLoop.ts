import { copyParameters, denseParameters, type BestParameters, type Checkpoint } from './checkpoint.ts';
import { CpuEngine, EngineLostError, type Engine } from './engine.ts';
import { synapsesOfWeights } from './network.ts';
import type { RunEvent, RunLoopOptions, SplitName } from './runEvents.ts';
import type { RngState } from './rng.ts';
import type { EpochRecord } from './runRecord.ts';

export type { RunEvent, RunLoopOptions, SplitName } from './runEvents.ts';
import { TrainingDivergedError, type EvalResult, type Trainer } from './trainer.ts';

/** Samples evaluated between two checks of the time budget (the playground yields there). */
export const EVAL_SLICE_SAMPLES = 256;
/** Steps a pipelined engine (the GPU) may have in flight before the loop waits for the oldest. */
export const PIPELINE_DEPTH = 16;

interface EpochUnderWay {
  batches: number[][];
  cursor: number;
  /** Batch order before the epoch was drawn (a checkpoint taken mid-epoch stores this one). */
  orderBefore: RngState;
  /** Sum over finished steps of (mean batch loss x batch size). */
  lossSum: number;
  /** Samples of the finished steps whose time was measured. */
  timedSamples: number;
  /** Wall time spent in training steps (ms), evaluation and pauses excluded. */
  trainMs: number;
  /** Sigma of the latest step (time steps). */
  sigma: number;
  started: number;
}

interface SplitEvaluation {
  split: SplitName;
  indices: Int32Array;
  done: number;
  lossSum: number;
  correct: number;
  predictions: Int32Array | null;
}

/**
 * Why this file is over 400 lines: the loop is one state machine (an epoch's steps, its
 * evaluation slices, checkpoints and the engine fallback all read and write the same state);
 * its event and option types live in runEvents.ts.
 *
 * The one training loop behind `delaylab train`, the playground's Worker and the bench. It owns
 * the epochs, the batch order, evaluation after every epoch, best-validation tracking (the
 * parameters and the kernel width they were evaluated with), the checkpoint cadence, divergence
 * and engine-loss handling, and reports progress as events.
 *
 * It is stepwise: `advance(budget)` does work (training steps, then evaluation slices) until the
 * budget is spent and returns, so a caller can run it in time slices and pause between steps.
 * An epoch's counter moves on only once its record exists, so a checkpoint taken while it is
 * evaluated resumes by evaluating it again rather than losing its record.
 */
export class RunLoop {
  private engineNow: Engine;
  private historyNow: EpochRecord[];
  private bestNow: BestParameters | null;
  private current: EpochUnderWay | null = null;
  private evaluation: SplitEvaluation[] | null = null;
  private evaluated = new Map<SplitName, EvalResult>();
  /** Predicted classes of the split the views show, from the epoch's evaluation. */
  private viewPredictions: Extract<RunEvent, { type: 'epoch' }>['predictions'] = null;
  private lastCheckpointAt: number;
  private lastCheckpointTaken: Checkpoint;
  private readonly clock: () => number;
  private readonly options: RunLoopOptions;
  /** The first error of a pipelined step (the others of its window are then dropped). */
  private stepError: unknown = null;
  /** Every step's loss, by step; null where the run's earlier losses are unknown (an old checkpoint). */
  private losses: StepLosses | null;
  /** The last closed epoch's predictions on the view split (checkpointed for the views). */
  private lastViewPredictions: Checkpoint['viewPredictions'];

  constructor(engine: Engine, options: RunLoopOptions = {}) {
    this.engineNow = engine;
    this.options = options;
    this.clock = options.clock ?? (() => performance.now());
    this.lastCheckpointAt = this.clock();
    const resume = options.resume ?? null;
    this.historyNow = resume ? [...resume.history] : [];
    this.bestNow = resume?.best ?? null;
    this.losses = StepLosses.resumed(
      resume ? (resume.stepLosses ?? null) : new Float32Array(0),
      engine.model.step,
    );
    this.lastViewPredictions = resume?.viewPredictions ?? null;
    // What the fallback resumes from until the first checkpoint: the state the run starts in.
    this.lastCheckpointTaken = {
      config: engine.model.config,
      dataset: options.dataset ?? null,
      state: engine.model.exportState(),
      history: [...this.historyNow],
      best: this.bestNow,
      epochLossSum: resume?.epochLossSum ?? 0,
      stepLosses: this.losses?.upTo(engine.model.step) ?? null,
      viewPredictions: this.lastViewPredictions,
    };
    this.resumeEpoch(resume?.epochLossSum ?? 0);
  }

  get engine(): Engine {
    return this.engineNow;
  }

  get model(): Trainer {
    return this.engineNow.model;
  }

  get history(): readonly EpochRecord[] {
    return this.historyNow;
  }

  get best(): BestParameters | null {
    return this.bestNow;
  }

  /** Every step's loss so far (empty where the run's earlier losses are unknown). */
  get stepLosses(): Float32Array {
    return this.losses?.upTo(this.model.step) ?? new Float32Array(0);
  }

  /** The last closed epoch's predictions on the view split, or null. */
  get lastEpochPredictions(): Checkpoint['viewPredictions'] {
    return this.lastViewPredictions;
  }

  /** All steps trained and the last epoch's record made. */
  get done(): boolean {
    return this.model.step >= this.model.totalSteps && this.current === null;
  }

  /** An epoch's training is finished and its splits are being evaluated. */
  get evaluating(): boolean {
    return this.evaluation !== null;
  }

  /** The split being evaluated and how far, or null while training. */
  get evaluationProgress(): { split: SplitName; done: number; total: number } | null {
    const part = this.evaluation?.[0];
    return part ? { split: part.split, done: part.done, total: part.indices.length } : null;
  }

  /** Steps done in the epoch under way, and its batches (0 of 0 between epochs). */
  get epochProgress(): { batch: number; batches: number } {
    return { batch: this.current?.cursor ?? 0, batches: this.current?.batches.length ?? 0 };
  }

  /** The last checkpoint taken (or the state the run started in). */
  get lastCheckpoint(): Checkpoint {
    return this.lastCheckpointTaken;
  }

  /**
   * Trains and evaluates until `maxSteps` steps are done or `maxMs` have passed (at least one
   * unit of work), or the run is done. Returns the number of optimiser steps taken. Errors end
   * the call: a diverged loss (TrainingDivergedError), an engine failure, a failed save; a lost
   * engine continues on the fallback engine where one is offered.
   */
  async advance(budget: { maxSteps?: number; maxMs?: number } = {}): Promise<number> {
    const started = this.clock();
    const maxSteps = budget.maxSteps ?? Infinity;
    const deadline = started + (budget.maxMs ?? Infinity);
    let steps = 0;
    let worked = false;
    while (!this.done) {
      if (worked && this.clock() >= deadline) break;
      try {
        if (this.evaluation) {
          await this.evaluateSlice();
        } else {
          if (steps >= maxSteps) break;
          steps += await this.trainSteps(maxSteps - steps, deadline);
          await this.closeTrainingIfDone();
          if (this.clock() - this.lastCheckpointAt >= (this.options.checkpointEveryMs ?? Infinity))
            await this.checkpoint();
        }
      } catch (e) {
        if (!(e instanceof EngineLostError) || !this.options.fallback) throw e;
        await this.fallBack(e, this.options.fallback);
      }
      worked = true;
    }
    return steps;
  }

  /** Runs to the end (the CLI). */
  async runToEnd(): Promise<void> {
    while (!this.done) await this.advance();
  }

  /** Trains until the end, or until `stop` (asked after every step) says so. */
  async runUntil(stop: () => boolean): Promise<void> {
    while (!this.done && !stop()) await this.advance({ maxSteps: 1 });
  }

  /**
   * Takes a checkpoint now (the playground does on pause) and hands it to `save`. Mid-epoch it
   * holds the batch order from before the epoch and the loss so far, so a resumed run redraws
   * the same batches and skips the ones already trained.
   */
  async checkpoint(): Promise<Checkpoint> {
    const state = await this.engineNow.exportState();
    const current = this.current;
    const checkpoint: Checkpoint = {
      config: this.model.config,
      dataset: this.options.dataset ?? null,
      state: current ? { ...state, order: current.orderBefore } : state,
      history: [...this.historyNow],
      best: this.bestNow,
      epochLossSum: current ? current.lossSum : 0,
      stepLosses: this.losses?.upTo(this.model.step) ?? null,
      viewPredictions: this.lastViewPredictions,
    };
    this.lastCheckpointTaken = checkpoint;
    this.lastCheckpointAt = this.clock();
    await this.options.save?.(checkpoint);
    this.options.onEvent?.({ type: 'checkpoint', step: this.model.step, epoch: this.model.epoch });
    return checkpoint;
  }

  /**
   * Loss and accuracy on `indices` of the best-validation model (with the kernel width it was
   * evaluated with), or of the current one when no epoch had a validation split. The model's
   * current parameters and sigma are put back afterwards.
   */
  async evaluateBest(indices: Int32Array): Promise<EvalResult> {
    await this.engineNow.sync();
    const model = this.model;
    const best = this.bestNow;
    if (!best) return this.evaluateOnEngine(indices);
    const saved = copyParameters(model);
    const sigma = model.net.synapses[0]?.sigma ?? model.currentSigma();
    try {
      // The engine's threads read the model's parameters (shared memory) and this sigma.
      setParameters(model, best.layers);
      model.net.setSigma(best.sigma ?? model.sigmaAtStep(best.epoch * model.stepsPerEpoch));
      return await this.evaluateOnEngine(indices);
    } finally {
      setParameters(model, saved);
      model.net.setSigma(sigma);
    }
  }

  /** Evaluation on the engine's threads where it has them (after sync), else on the host model. */
  private evaluateOnEngine(indices: Int32Array, predictions?: Int32Array): Promise<EvalResult> {
    const engine = this.engineNow;
    return engine.evaluate
      ? engine.evaluate(indices, predictions)
      : Promise.resolve(this.model.evaluate(indices, predictions));
  }

  /** Sets up the epoch a resumed checkpoint was taken in (its batches redrawn, the done ones skipped). */
  private resumeEpoch(lossSum: number): void {
    const model = this.model;
    const into = model.step - model.epoch * model.stepsPerEpoch;
    if (into <= 0) return;
    this.current = this.drawEpoch();
    this.current.cursor = Math.min(into, this.current.batches.length);
    this.current.lossSum = lossSum;
  }

  private drawEpoch(): EpochUnderWay {
    const model = this.model;
    const orderBefore = model.batchOrderState();
    return {
      batches: model.drawEpochBatches(),
      cursor: 0,
      orderBefore,
      lossSum: 0,
      timedSamples: 0,
      trainMs: 0,
      sigma: model.currentSigma(),
      started: this.clock(),
    };
  }

  /** Up to `maxSteps` steps of the epoch (starting one if needed), until `deadline` (ms). */
  private async trainSteps(maxSteps: number, deadline: number): Promise<number> {
    const model = this.model;
    if (this.current === null) {
      if (model.step >= model.totalSteps) return 0;
      this.current = this.drawEpoch();
    }
    const epoch = this.current;
    const engine = this.engineNow;
    const depth = engine.pipelined ? PIPELINE_DEPTH : 1;
    const inFlight: Promise<void>[] = [];
    const started = this.clock();
    let issued = 0;
    let samples = 0;
    this.stepError = null;
    while (
      issued < maxSteps &&
      epoch.cursor < epoch.batches.length &&
      model.step < model.totalSteps &&
      (issued === 0 || this.clock() < deadline)
    ) {
      const batchIndex = epoch.cursor++;
      const batch = epoch.batches[batchIndex]!;
      const step = model.step;
      epoch.sigma = model.currentSigma();
      const done = engine.step(batch).then((loss) => {
        // After a failed step the rest of the window is dropped: the run stops there.
        if (this.stepError !== null) return;
        if (!Number.isFinite(loss)) throw new TrainingDivergedError('the loss', step);
        epoch.lossSum += loss * batch.length;
        this.losses?.set(step, loss);
        this.options.onEvent?.({
          type: 'step',
          step,
          loss,
          samples: batch.length,
          epoch: model.epoch + 1,
          batch: batchIndex + 1,
          batches: epoch.batches.length,
        });
      });
      // Never an unhandled rejection: the first error is kept and thrown below.
      inFlight.push(
        done.catch((e: unknown) => {
          this.stepError ??= e;
        }),
      );
      issued++;
      samples += batch.length;
      if (inFlight.length >= depth) await inFlight.shift();
      if (this.stepError !== null) break;
    }
    await Promise.all(inFlight);
    if (this.stepError !== null) {
      const error = this.stepError;
      this.stepError = null;
      throw error instanceof Error ? error : new Error(String(error));
    }
    epoch.trainMs += this.clock() - started;
    epoch.timedSamples += samples;
    return issued;
  }

  /** When the epoch's last step is done: parameters to the host model, then its evaluation. */
  private async closeTrainingIfDone(): Promise<void> {
    const epoch = this.current;
    if (!epoch || epoch.cursor < epoch.batches.length || this.evaluation) return;
    this.evaluated.clear();
    this.viewPredictions = null;
    const data = this.model.data;
    const parts: SplitEvaluation[] = [];
    if (this.options.evaluate !== false) {
      const viewSplit: SplitName | null =
        data.test.length > 0 ? 'test' : data.validation.length > 0 ? 'validation' : null;
      const add = (split: SplitName, indices: Int32Array): void => {
        if (indices.length === 0) return;
        const withPredictions = data.labels !== null && split === viewSplit;
        parts.push({
          split,
          indices,
          done: 0,
          lossSum: 0,
          correct: 0,
          predictions: withPredictions ? new Int32Array(indices.length) : null,
        });
      };
      if (data.labels) add('train', data.train.subarray(0, this.options.trainEvalLimit ?? data.train.length));
      add('validation', data.validation);
      add('test', data.test);
    }
    // Evaluation (and the best-model copy) read the host model: bring it up to date first.
    if (parts.length > 0) await this.engineNow.sync();
    this.evaluation = parts;
    if (parts.length === 0) await this.finishEpoch();
  }

  private async evaluateSlice(): Promise<void> {
    const part = this.evaluation![0]!;
    const slice = part.indices.subarray(part.done, part.done + EVAL_SLICE_SAMPLES);
    const predictions = part.predictions?.subarray(part.done, part.done + slice.length);
    const r = await this.evaluateOnEngine(slice, predictions);
    part.lossSum += r.loss * slice.length;
    part.correct += (r.accuracy ?? 0) * slice.length;
    part.done += slice.length;
    this.options.onEvent?.({
      type: 'evaluating',
      split: part.split,
      done: part.done,
      total: part.indices.length,
    });
    if (part.done < part.indices.length) return;
    const n = part.indices.length;
    this.evaluated.set(part.split, {
      loss: part.lossSum / n,
      accuracy: this.model.data.labels ? part.correct / n : null,
      samples: n,
    });
    if (part.predictions)
      this.viewPredictions = { split: part.split, indices: part.indices, classes: part.predictions };
    this.evaluation!.shift();
    if (this.evaluation!.length === 0) await this.finishEpoch();
  }

  /** Makes the epoch's record, tracks the best model and takes the epoch-end checkpoint. */
  private async finishEpoch(): Promise<void> {
    const epoch = this.current!;
    const model = this.model;
    const at = (split: SplitName) => this.evaluated.get(split) ?? null;
    const train = at('train');
    const validation = at('validation');
    const test = at('test');
    const samples = epoch.batches.reduce((n, b) => n + b.length, 0);
    model.epoch++;
    const record: EpochRecord = {
      epoch: model.epoch,
      trainLoss: samples > 0 ? epoch.lossSum / samples : 0,
      trainAccuracy: train?.accuracy ?? null,
      validationLoss: validation?.loss ?? null,
      validationAccuracy: validation?.accuracy ?? null,
      testLoss: test?.loss ?? null,
      testAccuracy: test?.accuracy ?? null,
      sigma: epoch.sigma,
      ms: this.clock() - epoch.started,
      // Only a measurable rate (a resumed epoch's skipped steps were not timed here).
      ...(epoch.timedSamples > 0 && epoch.trainMs > 0
        ? { trainSamplesPerSecond: (1000 * epoch.timedSamples) / epoch.trainMs }
        : {}),
    };
    this.historyNow.push(record);
    if (
      record.validationAccuracy !== null &&
      (this.bestNow === null || record.validationAccuracy > this.bestNow.validationAccuracy)
    ) {
      this.bestNow = {
        epoch: record.epoch,
        validationAccuracy: record.validationAccuracy,
        // The width this evaluation used; later epochs train (and evaluate) with other values.
        sigma: model.net.synapses[0]?.sigma ?? model.currentSigma(),
        layers: copyParameters(model),
      };
    }
    const predictions = this.viewPredictions;
    this.viewPredictions = null;
    if (predictions) this.lastViewPredictions = { epoch: model.epoch, classes: predictions.classes };
    this.current = null;
    this.evaluation = null;
    this.options.onEvent?.({ type: 'epoch', record, predictions });
    if (this.clock() - this.lastCheckpointAt >= (this.options.checkpointMinGapMs ?? 0))
      await this.checkpoint();
  }

  private async fallBack(
    cause: EngineLostError,
    build: NonNullable<RunLoopOptions['fallback']>,
  ): Promise<void> {
    const from = this.engineNow.info;
    const checkpoint = this.lastCheckpointTaken;
    const next = await build(checkpoint, cause);
    await this.engineNow.dispose().catch(() => undefined);
    this.engineNow = next;
    this.historyNow = [...checkpoint.history];
    this.bestNow = checkpoint.best;
    this.losses = StepLosses.resumed(checkpoint.stepLosses, next.model.step);
    this.lastViewPredictions = checkpoint.viewPredictions;
    this.current = null;
    this.evaluation = null;
    this.evaluated.clear();
    this.viewPredictions = null;
    this.resumeEpoch(checkpoint.epochLossSum ?? 0);
    this.options.onEvent?.({
      type: 'fallback',
      message: `${cause.message}; training goes on on the ${next.info.description} from step ${next.model.step} (the last checkpoint)`,
      from,
      to: next.info,
      resumedAtStep: next.model.step,
    });
  }
}

/**
 * Copies per-layer weights and delays (dense, or compact as copyParameters made them) into a
 * model's network. A compact rewired layer takes the parameters' synapses as its structure (the
 * best model of a rewired run had other synapses than the current one).
 */
export function setParameters(model: Trainer, layers: BestParameters['layers']): void {
  layers.forEach((p, l) => {
    const layer = model.net.synapses[l]!;
    const index = layer.synapseIndex;
    if (index && layer.structureChanges) index.set(structureFor(p, index.length, l));
    if (
      p.synapses &&
      index &&
      p.synapses.length === index.length &&
      p.synapses.every((q, e) => q === index[e])
    ) {
      layer.weights.set(p.weights);
      layer.delays.set(p.delays);
      return;
    }
    const dense = denseParameters(p, layer.possibleSynapses);
    layer.setFromDense(layer.weights, dense.weights, `layer ${l} weights`, true);
    layer.setFromDense(layer.delays, dense.delays, `layer ${l} delays`, false);
  });
}

/** The `count` synapses a rewired layer takes for parameters `p`: theirs when compact, else synapsesOfWeights. */
function structureFor(p: BestParameters['layers'][number], count: number, l: number): Int32Array {
  if (p.synapses) {
    if (p.synapses.length !== count)
      throw new RangeError(
        `layer ${l}: the parameters hold ${p.synapses.length} synapses, the layer ${count}`,
      );
    return p.synapses;
  }
  const synapses = synapsesOfWeights(p.weights, count);
  if (!synapses)
    throw new RangeError(
      `layer ${l}: the parameters have more nonzero weights than the layer's ${count} synapses`,
    );
  return synapses;
}

/**
 * Trains a CPU model in place for `epochs` more epochs through the run loop (evaluating each)
 * and returns their records: a convenience for scripts and tests.
 */
export async function trainEpochs(
  model: Trainer,
  epochs: number,
  options: RunLoopOptions = {},
): Promise<EpochRecord[]> {
  const loop = new RunLoop(new CpuEngine(model), { checkpointMinGapMs: Infinity, ...options });
  const target = model.epoch + epochs;
  while (model.epoch < target && !loop.done) await loop.advance({ maxSteps: 1 });
  return loop.history.slice(-epochs);
}

/** A run's per-step losses: a growing float32 array indexed by step. */
class StepLosses {
  private values: Float32Array;

  private constructor(initial: Float32Array) {
    this.values = new Float32Array(Math.max(1024, initial.length * 2));
    this.values.set(initial);
  }

  /** The log of a run at `step` from its stored losses; null when they do not reach that step. */
  static resumed(stored: Float32Array | null, step: number): StepLosses | null {
    return stored && stored.length >= step ? new StepLosses(stored.subarray(0, step)) : null;
  }

  set(step: number, loss: number): void {
    if (step >= this.values.length) {
      const grown = new Float32Array(Math.max(step + 1, 2 * this.values.length));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[step] = loss;
  }

  /** A copy of steps 0..step - 1. */
  upTo(step: number): Float32Array {
    return this.values.slice(0, step);
  }
}
