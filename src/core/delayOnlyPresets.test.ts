import { describe, expect, it } from 'vitest';
import { DELAY_ONLY_PRESETS } from './delayOnlyPresets.ts';
import { validateExperiment } from './experiment.ts';
import { preset } from './presets.ts';

describe('delay-only presets match the paper', () => {
  const names = [
    'delay-only-mnist',
    'delay-only-fashion',
    'delay-only-fashion-ternary',
    'weights-only-fashion',
  ];

  it('exist, validate and are reachable as presets', () => {
    expect(Object.keys(DELAY_ONLY_PRESETS).sort()).toEqual(
      [
        ...names,
        'delay-only-mnist-authors-code',
        'delay-only-fashion-authors-code',
        'delay-only-fashion-ternary-authors-code',
        'weights-only-fashion-authors-code',
      ].sort(),
    );
    for (const n of names) expect(validateExperiment(preset(n)).name).toBe(n);
  });

  it('784-800-10 SRM, threshold 10, tau_s = tau_r = 1 ms, refractory scale 2, 10 steps of 1 ms', () => {
    for (const n of names) {
      const c = preset(n)!;
      expect(c.network).toMatchObject({ inputs: 784, timeSteps: 10, dtMs: 1 });
      expect(c.network.layers.map((l) => l.size)).toEqual([800, 10]);
      for (const l of c.network.layers) {
        expect(l.neuron).toMatchObject({
          model: 'srm',
          threshold: 10,
          tauSynMs: 1,
          tauRefMs: 1,
          refractoryScale: 2,
        });
        expect(l.delayInit).toEqual({ kind: 'uniform', low: 0, high: 1 });
        // Floor at inference, and the forward pass trains with what inference runs.
        expect(l.kernel).toMatchObject({ mode: 'hardware', rounding: 'floor' });
      }
    }
  });

  it('weights N(0.0571, 0.5458) and N(-0.5244, 1.049) x10, ternary where named; only delays (or only weights) learn', () => {
    for (const n of names) {
      const c = preset(n)!;
      const [first, second] = c.network.layers;
      const kind = n.includes('ternary') ? 'ternary' : 'normal';
      expect(first!.weightInit).toEqual({ kind, mean: 0.0571, std: 0.5458, scale: 10 });
      expect(second!.weightInit).toEqual({ kind, mean: -0.5244, std: 1.049, scale: 10 });
      const delaysLearn = n.startsWith('delay-only');
      for (const l of c.network.layers) {
        expect(l.trainDelays).toBe(delaysLearn);
        expect(l.trainWeights).toBe(!delaysLearn);
      }
    }
  });

  it('Adam lr 0.01, batch 32, 80/20 split, >127 threshold code, spike-time loss, first-spike readout', () => {
    for (const n of names) {
      const c = preset(n)!;
      expect(c.optimizer.delays.lr).toBe(0.01);
      expect(c.optimizer.weights.lr).toBe(0.01);
      expect(c.training).toMatchObject({ batchSize: 32, validationFraction: 0.2 });
      expect(c.task).toMatchObject({
        kind: 'images',
        encoder: { kind: 'threshold', threshold: 127, step: 0 },
      });
      expect(c.loss.kind).toBe('spikeTime');
      expect(c.readout).toBe('firstSpike');
      expect(c.optimizer.amsgrad).toBeUndefined();
    }
    expect(preset('delay-only-mnist')!.task).toMatchObject({ dataset: 'mnist-10k' });
    expect(preset('delay-only-fashion')!.task).toMatchObject({ dataset: 'fashion-mnist' });
  });

  it("the authors'-code variants change only what the code does differently", () => {
    for (const [name, base, window] of [
      ['delay-only-mnist-authors-code', 'delay-only-mnist', null],
      ['delay-only-fashion-authors-code', 'delay-only-fashion', 6],
      ['delay-only-fashion-ternary-authors-code', 'delay-only-fashion-ternary', 6],
      ['weights-only-fashion-authors-code', 'weights-only-fashion', 6],
    ] as const) {
      const c = preset(name)!;
      const text = preset(base)!;
      expect(validateExperiment(c).name).toBe(name);
      for (const l of c.network.layers) {
        expect(l.neuron).toMatchObject({
          model: 'srm',
          tauSynMs: 10,
          tauRefMs: 1,
          refractoryScale: 2,
          threshold: 10,
        });
        // U(0, 4); the weight baseline keeps that draw fixed (the same network at the start).
        expect(l.delayInit).toEqual({ kind: 'uniform', low: 0, high: 4 });
      }
      // Everything else is the text's preset: patch the listed differences onto it and compare whole.
      const expected = structuredClone(text);
      expected.name = name;
      expected.description = c.description;
      expected.task = { ...text.task, encoder: { kind: 'intensityBins', bins: 3 } } as typeof text.task;
      for (const l of expected.network.layers) {
        l.neuron = { ...l.neuron, tauSynMs: 10, refractoryKernel: 'alpha' } as typeof l.neuron;
        l.delayInit = { kind: 'uniform', low: 0, high: 4 };
      }
      expected.loss = { kind: 'spikeTime', traceTauSteps: 10, traceKernel: 'alpha', targetSteps: window };
      expected.readout = 'firstSpikeOrCount';
      expected.optimizer.amsgrad = true;
      expect(c).toEqual(expected);
    }
  });
});
