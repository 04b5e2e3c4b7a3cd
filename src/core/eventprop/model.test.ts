import { describe, expect, it } from 'vitest';
import { sampleEvents } from '../data/samples.ts';
import type { ExperimentConfig } from '../experiment.ts';
import { preset } from '../presets.ts';
import { Trainer } from '../trainer.ts';
import { inputSpikes } from './model.ts';

/** eventprop-yinyang made small, on a 0.5 ms grid (so the delay unit conversion is exercised). */
type Case = 'firstSpike' | 'firstSpike, silent outputs' | 'voltageSum' | 'voltageMax';

function smallYinYang(loss: Case = 'firstSpike'): ExperimentConfig {
  const c = preset('eventprop-yinyang')!;
  c.task = { kind: 'yinyang', trainSamples: 24, testSamples: 12, firstStep: 0, lastStep: 60, biasStep: 0 };
  c.network.dtMs = 0.5;
  c.network.timeSteps = 120;
  c.network.layers[0]!.size = 8;
  c.network.layers.forEach((l) => {
    l.kernel.maxDelay = 40;
    l.delayInit = { kind: 'uniform', low: 0, high: 8 };
  });
  // Strong enough that outputs spike; weak (the silent case) and no output spikes at all.
  c.network.layers[1]!.weightInit =
    loss === 'firstSpike, silent outputs'
      ? { kind: 'normal', mean: 1, std: 0.5, scale: 1 }
      : { kind: 'normal', mean: 2.5, std: 1, scale: 1 };
  if (loss === 'voltageSum' || loss === 'voltageMax') {
    c.network.layers[1]!.neuron = { ...c.network.layers[1]!.neuron, spiking: false };
    c.eventprop = { tauSynMs: 5, simulation: 'exact', loss: { kind: loss } };
  }
  return c;
}

/** Mean loss of the trainer's model on `batch` (EventProp's forward pass and loss). */
function meanLoss(trainer: Trainer, batch: number[]): number {
  return trainer.eventprop!.evaluate(batch).lossSum / batch.length;
}

describe('EventProp as a training method of the Trainer (network parameters, run-loop data)', () => {
  for (const loss of ['firstSpike', 'firstSpike, silent outputs', 'voltageSum', 'voltageMax'] as const) {
    it(`${loss}: the gradients it accumulates are those of the mean batch loss in the network's units (delays in steps)`, () => {
      const trainer = new Trainer(smallYinYang(loss), { precision: 'f64' });
      const batch = Array.from(trainer.data.train.subarray(0, 6));
      trainer.net.zeroGrad();
      trainer.accumulateGradients(batch, batch.length);
      let compared = 0;
      for (const [l, syn] of trainer.net.synapses.entries()) {
        for (const [param, values, grads] of [
          ['weights', syn.weights, syn.gradWeights],
          ['delays', syn.delays, syn.gradDelays],
        ] as const) {
          const scale = Math.max(...Array.from(grads, Math.abs));
          expect(scale, `layer ${l} ${param}: the gradient is not all zero`).toBeGreaterThan(1e-4);
          for (let q = 0; q < values.length; q += 3) {
            const keep = values[q]!;
            const h = 1e-5;
            const at = (x: number) => {
              values[q] = x;
              const v = meanLoss(trainer, batch);
              values[q] = keep;
              return v;
            };
            const numeric = (at(keep + h) - at(keep - h)) / (2 * h);
            const error = Math.abs(numeric - grads[q]!) / Math.max(0.01 * scale, Math.abs(numeric));
            expect(error, `layer ${l} ${param}[${q}]: ${grads[q]} vs ${numeric}`).toBeLessThan(1e-4);
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(30);
    });
  }

  it('trains through trainStep: the batch loss falls and delays move (clamped to the kernel range)', () => {
    const trainer = new Trainer(smallYinYang(), { precision: 'f64' });
    const batch = Array.from(trainer.data.train);
    const delaysBefore = Float64Array.from(trainer.net.synapses[0]!.delays);
    const first = meanLoss(trainer, batch);
    for (let k = 0; k < 30; k++) trainer.trainStep(batch);
    expect(meanLoss(trainer, batch)).toBeLessThan(first);
    const after = trainer.net.synapses[0]!.delays;
    expect(after.some((d, q) => d !== delaysBefore[q])).toBe(true);
    expect(Math.max(...after)).toBeLessThanOrEqual(39);
    expect(Math.min(...after)).toBeGreaterThanOrEqual(0);
  });

  it('frozen delays get no gradient and do not move', () => {
    const c = smallYinYang();
    c.network.layers.forEach((l) => (l.trainDelays = false));
    const trainer = new Trainer(c, { precision: 'f64' });
    const before = trainer.net.synapses.map((s) => Float64Array.from(s.delays));
    trainer.trainStep(Array.from(trainer.data.train.subarray(0, 8)));
    trainer.net.synapses.forEach((s, l) => {
      expect(Array.from(s.delays)).toEqual(Array.from(before[l]!));
      expect(s.gradDelays.every((g) => g === 0)).toBe(true);
    });
  });

  it('Yin-Yang input spikes keep their real-valued latencies: rounding them gives the binned code', () => {
    const c = smallYinYang();
    const trainer = new Trainer(c);
    for (const s of [0, 5, 11]) {
      const spikes = inputSpikes(trainer.data, s, c.network.dtMs);
      const binned = sampleEvents(trainer.data.source, s, c.network.timeSteps, 5);
      const fromReal = spikes
        .map((x) => ({ step: Math.round(x.time / c.network.dtMs), neuron: x.neuron }))
        .sort((a, b) => a.step - b.step || a.neuron - b.neuron);
      expect(fromReal.map((x) => x.step)).toEqual(Array.from(binned.steps));
      expect(fromReal.map((x) => x.neuron)).toEqual(Array.from(binned.channels));
      expect(spikes.some((x) => !Number.isInteger(x.time / c.network.dtMs))).toBe(true);
    }
  });

  it("the views' record: spikes binned into the step they fall in, V below threshold before each, I jumping at arrivals", () => {
    const trainer = new Trainer(smallYinYang());
    const sample = trainer.data.test[0]!;
    const rec = trainer.record(sample);
    expect(rec.timeSteps).toBe(120);
    const hidden = rec.layers[0]!;
    const n = 8;
    let spikes = 0;
    for (let q = 0; q < hidden.neurons.spikes.length; q++) spikes += hidden.neurons.spikes[q]!;
    expect(spikes, 'the hidden layer spikes').toBeGreaterThan(0);
    for (let t = 0; t < 120; t++) {
      for (let j = 0; j < n; j++) expect(hidden.neurons.membrane[t * n + j]!).toBeLessThan(1);
    }
    // The model's own prediction is what the views show.
    expect(trainer.predictSample(sample, rec)).toBe(
      (() => {
        const p = new Int32Array(1);
        trainer.eventprop!.evaluate([sample], p);
        return p[0];
      })(),
    );
  });

  it("a silent label output is pushed towards the threshold (the first-spike loss's silentPush) until it spikes", () => {
    const config = smallYinYang('firstSpike, silent outputs');
    // Adam moves a weight by about the learning rate per step.
    config.optimizer.weights = { lr: 0.05, schedule: { kind: 'constant' } };
    const trainer = new Trainer(config, { precision: 'f64' });
    const sample = trainer.data.train[0]!;
    const label = trainer.data.labels![sample]!;
    const labelSpikes = () => {
      const out = trainer.record(sample).layers[1]!.neurons.spikes;
      let n = 0;
      for (let t = label; t < out.length; t += 3) n += out[t]!;
      return n;
    };
    expect(labelSpikes()).toBe(0);
    let steps = 0;
    while (labelSpikes() === 0 && steps < 100) {
      trainer.trainStep([sample]);
      steps++;
    }
    expect(labelSpikes(), `no label spike after ${steps} steps`).toBeGreaterThan(0);
  });
});
