import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { CpuEngine, EngineLostError, type Engine, type EngineInfo } from './engine.ts';
import type { ExperimentConfig } from './experiment.ts';
import { preset } from './presets.ts';
import { RunLoop, trainEpochs, type RunEvent } from './runLoop.ts';
import type { EpochRecord } from './runRecord.ts';
import { Trainer, TrainingDivergedError, type TrainerState } from './trainer.ts';

function patterns(epochs: number, edit: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const c = preset('patterns')!;
  c.training.epochs = epochs;
  c.training.batchSize = 8;
  edit(c);
  return c;
}

/** Records without wall time and throughput, which differ run to run. */
const timeless = (records: readonly EpochRecord[]) =>
  records.map(({ trainSamplesPerSecond, ...r }) => ({ ...r, ms: 0 }));

function parameters(model: Trainer): number[] {
  return model.net.synapses.flatMap((s) => [...s.weights, ...s.delays]);
}

/**
 * A CPU engine that behaves as the GPU does: steps are queued (pipelined), their losses arrive
 * later, and it can be told to fail at a given step, as a lost device or a refused command.
 */
class QueuedEngine implements Engine {
  readonly pipelined = true;
  readonly info: EngineInfo;
  readonly inner: CpuEngine;
  maxInFlight = 0;
  private inFlight = 0;
  private queue: Promise<unknown> = Promise.resolve();
  disposed = false;

  constructor(
    config: ExperimentConfig,
    state: TrainerState | null,
    private readonly failAt: { step: number; error: () => Error } | null = null,
  ) {
    this.inner = CpuEngine.create(config, { state });
    this.info = { ...this.inner.info, kind: 'gpu', description: 'queued test engine' };
  }

  get model(): Trainer {
    return this.inner.model;
  }

  /**
   * Computes the step at once (so the step counter moves on when a step is issued, as the GPU's
   * does) but settles its promise only later, in order.
   */
  step(batch: readonly number[]): Promise<number> {
    const step = this.model.step;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let outcome: { loss: number } | { error: Error };
    if (this.failAt && step >= this.failAt.step) {
      outcome = { error: this.failAt.error() };
      this.model.step++;
    } else {
      outcome = { loss: this.inner.model.trainStep(batch) };
    }
    const result = this.queue.then(async () => {
      await new Promise((r) => setTimeout(r, 0));
      this.inFlight--;
      if ('error' in outcome) throw outcome.error;
      return outcome.loss;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  sync(): Promise<void> {
    return this.queue.then(() => undefined);
  }

  exportState(): Promise<TrainerState> {
    return this.queue.then(() => this.model.exportState());
  }

  dispose(): Promise<void> {
    this.disposed = true;
    return Promise.resolve();
  }
}

describe('RunLoop', () => {
  it('is stepwise: advance stops at its step budget, and slices give the same run as one call', async () => {
    const config = patterns(3);
    const whole = new RunLoop(CpuEngine.create(config));
    await whole.runToEnd();

    const sliced = new RunLoop(CpuEngine.create(config));
    let calls = 0;
    while (!sliced.done) {
      const before = sliced.model.step;
      const steps = await sliced.advance({ maxSteps: 3 });
      expect(steps).toBeLessThanOrEqual(3);
      expect(sliced.model.step - before).toBe(steps);
      calls++;
    }
    expect(calls).toBeGreaterThanOrEqual(sliced.model.totalSteps / 3);
    expect(timeless(sliced.history)).toEqual(timeless(whole.history));
    expect(parameters(sliced.model)).toEqual(parameters(whole.model));
    expect(whole.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const r of whole.history) {
      expect(r.validationAccuracy).not.toBeNull();
      expect(r.testAccuracy).not.toBeNull();
      expect(r.trainSamplesPerSecond).toBeGreaterThan(0);
    }
  });

  it('reports steps in order, evaluation progress, and each epoch with the test predictions', async () => {
    const config = patterns(2);
    const events: RunEvent[] = [];
    const loop = new RunLoop(CpuEngine.create(config), { onEvent: (e) => events.push(e) });
    await loop.runToEnd();
    const steps = events.flatMap((e) => (e.type === 'step' ? [e.step] : []));
    expect(steps).toEqual(Array.from({ length: loop.model.totalSteps }, (_, k) => k));
    const evaluating = events.filter((e) => e.type === 'evaluating');
    expect(evaluating.map((e) => e.type === 'evaluating' && e.split)).toContain('test');
    const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e] : []));
    expect(epochs).toHaveLength(2);
    const last = epochs[1]!;
    expect(last.predictions?.split).toBe('test');
    expect(last.predictions?.classes).toHaveLength(loop.model.data.test.length);
    // The predictions are the ones the record's accuracy counts.
    const labels = loop.model.data.labels!;
    const correct = last.predictions!.classes.filter(
      (p, k) => p === labels[last.predictions!.indices[k]!],
    ).length;
    expect(correct / loop.model.data.test.length).toBeCloseTo(last.record.testAccuracy!, 12);
  });

  it('a mid-epoch checkpoint (also taken while evaluating) resumes to exactly the uninterrupted run', async () => {
    const config = patterns(3);
    const straight = new RunLoop(CpuEngine.create(config));
    await straight.runToEnd();
    const stepsPerEpoch = straight.model.stepsPerEpoch;

    for (const stopAt of [stepsPerEpoch + 3, 2 * stepsPerEpoch]) {
      const first = new RunLoop(CpuEngine.create(config));
      await first.advance({ maxSteps: stopAt });
      if (stopAt === 2 * stepsPerEpoch) {
        // Its last step closed epoch 2, whose evaluation has begun (but not ended) here.
        expect(first.evaluating || first.history.length === 2).toBe(true);
      }
      const bytes = encodeCheckpoint(await first.checkpoint());
      const saved: Checkpoint = decodeCheckpoint(bytes, 'mid-epoch');
      const resumed = new RunLoop(CpuEngine.create(saved.config, { state: saved.state }), { resume: saved });
      await resumed.runToEnd();
      expect(timeless(resumed.history)).toEqual(timeless(straight.history));
      expect(parameters(resumed.model)).toEqual(parameters(straight.model));
    }
  });

  it('keeps the best model with the sigma it was evaluated with; evaluateBest reproduces its test result', async () => {
    // Sigma shrinks over the whole run, and the weights are wiped after epoch 4, so the best
    // validation epoch comes before sigma reaches its final value.
    const config = patterns(6, (c) => {
      c.sigma = { kind: 'multiplicative', initial: null, final: 0.5, fraction: 1 };
    });
    const model = new Trainer(config);
    const loop = new RunLoop(new CpuEngine(model), {
      onEvent: (e) => {
        if (e.type === 'epoch' && e.record.epoch === 4) for (const s of model.net.synapses) s.weights.fill(0);
      },
    });
    await loop.runToEnd();
    const best = loop.best!;
    expect(best.epoch).toBeLessThanOrEqual(4);
    const record = loop.history[best.epoch - 1]!;
    expect(record.validationAccuracy).toBe(best.validationAccuracy);
    expect(best.sigma).toBeCloseTo(model.sigmaAtStep(best.epoch * model.stepsPerEpoch), 12);
    expect(best.sigma).not.toBeCloseTo(model.currentSigma(), 3);
    const before = model.net.synapses.map((s) => Array.from(s.weights));
    const result = await loop.evaluateBest(model.data.test);
    expect(result.accuracy).toBe(record.testAccuracy);
    expect(result.loss).toBe(record.testLoss);
    // The sigma matters: the best parameters with the final sigma give another test loss.
    const saved = model.net.synapses.map((s) => Float64Array.from(s.weights));
    best.layers.forEach((p, l) => model.net.synapses[l]!.weights.set(p.weights));
    const withFinalSigma = model.evaluate(model.data.test);
    saved.forEach((w, l) => model.net.synapses[l]!.weights.set(w));
    expect(withFinalSigma.loss).not.toBe(record.testLoss);
    // evaluateBest put the current parameters and sigma back.
    expect(model.net.synapses[0]!.sigma).toBeCloseTo(model.currentSigma(), 12);
    expect(model.net.synapses.map((s) => Array.from(s.weights))).toEqual(before);
    // A version 1 checkpoint (no sigma stored) still evaluates the best model at its own sigma.
    const legacy = new RunLoop(new CpuEngine(model), {
      resume: { best: { ...best, sigma: null }, history: [...loop.history], epochLossSum: 0 },
    });
    expect((await legacy.evaluateBest(model.data.test)).loss).toBe(record.testLoss);
  });

  it('queues the steps of a pipelined engine and ends up where the plain CPU engine does', async () => {
    const config = patterns(2);
    const plain = new RunLoop(CpuEngine.create(config));
    await plain.runToEnd();
    const engine = new QueuedEngine(config, null);
    const queued = new RunLoop(engine);
    await queued.runToEnd();
    expect(engine.maxInFlight).toBeGreaterThan(1);
    expect(timeless(queued.history)).toEqual(timeless(plain.history));
  });

  it('a failing step ends advance with its error (never a silent loss), the rest of its window dropped', async () => {
    const config = patterns(2);
    const engine = new QueuedEngine(config, null, {
      step: 5,
      error: () => new Error('GPU validation error at step 5: dispatch too large'),
    });
    const steps: number[] = [];
    const loop = new RunLoop(engine, { onEvent: (e) => e.type === 'step' && steps.push(e.step) });
    await expect(loop.runToEnd()).rejects.toThrow(/GPU validation error at step 5/);
    expect(steps).toEqual([0, 1, 2, 3, 4]);
    expect(loop.history).toHaveLength(0);
  });

  it('a non-finite loss is divergence, named with its step', async () => {
    const config = patterns(1);
    class DivergingEngine extends CpuEngine {
      override step(): Promise<number> {
        return Promise.resolve(NaN);
      }
    }
    const loop = new RunLoop(new DivergingEngine(new Trainer(config)));
    const error = await loop.advance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/step 0/);
  });

  it('a lost engine goes on on the fallback from the last checkpoint, and says so', async () => {
    const config = patterns(3);
    const straight = new RunLoop(CpuEngine.create(config));
    await straight.runToEnd();
    const stepsPerEpoch = straight.model.stepsPerEpoch;
    const lost = new QueuedEngine(config, null, {
      step: stepsPerEpoch + 2,
      error: () => new EngineLostError('the GPU device was lost (test)'),
    });
    const events: RunEvent[] = [];
    const loop = new RunLoop(lost, {
      onEvent: (e) => events.push(e),
      fallback: (checkpoint) =>
        Promise.resolve(CpuEngine.create(checkpoint.config, { state: checkpoint.state })),
    });
    await loop.runToEnd();
    expect(lost.disposed).toBe(true);
    const fallback = events.find((e) => e.type === 'fallback');
    expect(fallback?.type === 'fallback' && fallback.message).toMatch(/lost \(test\).*from step/);
    expect(fallback?.type === 'fallback' && fallback.resumedAtStep).toBe(stepsPerEpoch);
    expect(loop.engine.info.kind).toBe('cpu');
    // The checkpoint held the optimiser state too: the run ends as the uninterrupted one.
    expect(timeless(loop.history)).toEqual(timeless(straight.history));
    expect(parameters(loop.model)).toEqual(parameters(straight.model));
    // Without a fallback the loss ends the run.
    const again = new RunLoop(
      new QueuedEngine(config, null, { step: 1, error: () => new EngineLostError('gone') }),
    );
    await expect(again.runToEnd()).rejects.toThrow('gone');
  });

  it('checkpoints at every epoch end (unless one is recent) and on its time cadence mid-epoch', async () => {
    let now = 0;
    const saved: Checkpoint[] = [];
    const config = patterns(2);
    const loop = new RunLoop(CpuEngine.create(config), {
      clock: () => (now += 1),
      checkpointEveryMs: 10,
      checkpointMinGapMs: 0,
      save: (c) => {
        saved.push(c);
        return Promise.resolve();
      },
    });
    await loop.runToEnd();
    const mid = saved.filter((c) => c.epochLossSum !== 0);
    expect(mid.length).toBeGreaterThan(0);
    expect(saved.at(-1)!.history).toHaveLength(2);
    expect(saved.at(-1)!.state.step).toBe(loop.model.totalSteps);
    const ends = saved.filter((c) => c.epochLossSum === 0).map((c) => c.history.length);
    expect(ends).toContain(1);
    expect(ends).toContain(2);
  });

  it('trainEpochs trains a model in place and returns the new epochs', async () => {
    const model = new Trainer(patterns(3));
    const first = await trainEpochs(model, 2);
    expect(first.map((r) => r.epoch)).toEqual([1, 2]);
    expect(model.epoch).toBe(2);
  });
});
