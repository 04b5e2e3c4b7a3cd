import { gatherBatch } from './data/tasks.ts';
import { describe, expect, it } from 'vitest';
import type { ExperimentConfig } from './experiment.ts';
import { preset } from './presets.ts';
import { sigmaAt } from './train/schedules.ts';
import { trainEpochs } from './runLoop.ts';
import { Trainer, TrainingDivergedError } from './trainer.ts';

function config(name: string, edit: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const c = preset(name)!;
  edit(c);
  return c;
}

function snapshot(trainer: Trainer): Float64Array[] {
  return trainer.net.synapses.flatMap((s) => [Float64Array.from(s.weights), Float64Array.from(s.delays)]);
}

function expectSameParameters(a: Float64Array[], b: Float64Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((arr, k) => {
    const other = b[k]!;
    for (let q = 0; q < arr.length; q++) expect(Object.is(arr[q], other[q]), `tensor ${k}[${q}]`).toBe(true);
  });
}

describe('Trainer on the toy task', () => {
  it('learns delays so the outputs first fire within one step of 38 and 55 (seed 0, f64)', async () => {
    const c = config('toy');
    const trainer = new Trainer(c, { precision: 'f64' });
    const before = trainer.firstSpikes();
    const losses: number[] = [];
    for (const m of await trainEpochs(trainer, c.training.epochs)) losses.push(m.trainLoss);
    const first = trainer.firstSpikes();
    expect(Math.abs(first[0]! - 38)).toBeLessThanOrEqual(1);
    expect(Math.abs(first[1]! - 55)).toBeLessThanOrEqual(1);
    const quantised = trainer.quantisedFirstSpikes();
    expect(Math.abs(quantised[0]! - 38)).toBeLessThanOrEqual(1);
    expect(Math.abs(quantised[1]! - 55)).toBeLessThanOrEqual(1);
    // It had to learn: at the start (all delays 2) the outputs fire far from the targets.
    expect(before).not.toEqual(first);
    expect(Math.abs(before[0]! - 38) + Math.abs(before[1]! - 55)).toBeGreaterThan(10);
    expect(losses.at(-1)!).toBeLessThan(0.05 * losses[0]!);
    // Weights are frozen in the toy: only delays moved, and they stay in [0, Td - 1].
    const syn = trainer.net.synapses[0]!;
    const fresh = new Trainer(c, { precision: 'f64' });
    expect(Array.from(syn.weights)).toEqual(Array.from(fresh.net.synapses[0]!.weights));
    expect(Array.from(syn.delays)).not.toEqual(Array.from(fresh.net.synapses[0]!.delays));
    for (const d of syn.delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(c.network.layers[0]!.kernel.maxDelay - 1);
    }
    expect(trainer.step).toBe(c.training.epochs);
    expect(trainer.epoch).toBe(c.training.epochs);
  });

  it('follows the sigma schedule after every step', () => {
    const c = config('toy');
    const trainer = new Trainer(c, { precision: 'f64' });
    expect(trainer.net.synapses[0]!.sigma).toBe(8);
    for (let k = 0; k < 75; k++) trainer.trainStep([0]);
    expect(trainer.net.synapses[0]!.sigma).toBeCloseTo(sigmaAt(c.sigma, 50, 75, trainer.totalSteps), 14);
    expect(trainer.net.synapses[0]!.sigma).toBeCloseTo(8 + (0.5 - 8) * 0.5, 14);
    expect(trainer.totalSteps).toBe(300);
  });
});

describe('Trainer on the patterns task', () => {
  it('reaches validation accuracy well above chance (1/3) in 10 epochs', async () => {
    const c = config('patterns', (p) => {
      p.training.epochs = 10;
    });
    const trainer = new Trainer(c, { precision: 'f32' });
    const records = await trainEpochs(trainer, c.training.epochs);
    const firstLoss = records[0]!.trainLoss;
    const last = records.at(-1)!;
    expect(last.epoch).toBe(10);
    expect(last.validationAccuracy).not.toBeNull();
    expect(last.validationAccuracy!).toBeGreaterThan(0.6);
    expect(last.trainAccuracy!).toBeGreaterThan(0.6);
    expect(last.trainLoss).toBeLessThan(firstLoss);
    const test = trainer.evaluate(trainer.data.test);
    expect(test.samples).toBe(90);
    expect(test.accuracy!).toBeGreaterThan(0.6);
    expect(last.sigma).toBeCloseTo(0.5, 6);
  });

  it('is deterministic: two trainers from the same seed give identical losses and parameters', async () => {
    const c = config('patterns', (p) => {
      p.training.epochs = 2;
    });
    const a = new Trainer(c);
    const b = new Trainer(c);
    const la = (await trainEpochs(a, 2)).map((m) => [m.trainLoss, m.validationLoss, m.validationAccuracy]);
    const lb = (await trainEpochs(b, 2)).map((m) => [m.trainLoss, m.validationLoss, m.validationAccuracy]);
    expect(la).toEqual(lb);
    expectSameParameters(snapshot(a), snapshot(b));
    // A different seed gives a different run (initial parameters, data and therefore the result).
    const other = new Trainer(
      config('patterns', (p) => {
        p.training.epochs = 2;
        p.seed = 1;
      }),
    );
    const fresh = new Trainer(c);
    expect(Array.from(other.net.synapses[0]!.weights)).not.toEqual(
      Array.from(fresh.net.synapses[0]!.weights),
    );
    expect(Array.from(gatherBatch(other.data, [0, 1, 2]))).not.toEqual(
      Array.from(gatherBatch(fresh.data, [0, 1, 2])),
    );
    await trainEpochs(other, 2);
    expect(Array.from(other.net.synapses[1]!.delays)).not.toEqual(Array.from(a.net.synapses[1]!.delays));
  });
});

describe('Trainer divergence', () => {
  it('a NaN weight in the toy makes trainStep throw and leaves every parameter as it was', () => {
    const c = config('toy');
    const trainer = new Trainer(c, { precision: 'f64' });
    trainer.trainStep([0]);
    trainer.net.synapses[0]!.weights[1] = NaN;
    const before = snapshot(trainer);
    expect(() => trainer.trainStep([0])).toThrow(TrainingDivergedError);
    expectSameParameters(snapshot(trainer), before);
    expect(trainer.step).toBe(1);
  });

  it('a NaN weight in a hidden layer: the loss is not finite, nothing moves, and the optimiser state is untouched', () => {
    const c = config('patterns', (p) => {
      p.training.epochs = 1;
    });
    const trainer = new Trainer(c);
    const reference = new Trainer(c);
    const batch = Array.from(trainer.data.train.subarray(0, 16));
    trainer.trainStep(batch);
    reference.trainStep(batch);

    const w = trainer.net.synapses[0]!.weights;
    const saved = w[5]!;
    w[5] = NaN;
    const before = snapshot(trainer);
    let error: unknown = null;
    try {
      trainer.trainStep(batch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/not finite/);
    expect((error as Error).name).toBe('TrainingDivergedError');
    expectSameParameters(snapshot(trainer), before);

    // Restore the weight: the next step is exactly the step a trainer that never diverged takes.
    w[5] = saved;
    const next = Array.from(trainer.data.train.subarray(16, 32));
    expect(trainer.trainStep(next)).toBe(reference.trainStep(next));
    expectSameParameters(snapshot(trainer), snapshot(reference));
  });
});
