import { TrainingDivergedError } from '../trainer.ts';
import type { PointSet } from '../data/types.ts';
import { Rng } from '../rng.ts';
import { AdamState, type AdamHyper } from '../train/adam.ts';
import { eventPropBackward } from './adjoint.ts';
import { forwardPass, type ExactLayer, type ExactLifParams, type Spike } from './exactLif.ts';
import {
  firstSpikeClass,
  firstSpikeLoss,
  FIRST_SPIKE_LOSS,
  type FirstSpikeLossParams,
} from './firstSpikeLoss.ts';

/** A feed-forward network trained with EventProp on first-spike times. */
export interface EventPropSetup {
  /** Neurons per layer, inputs first. */
  sizes: number[];
  lif: ExactLifParams;
  /** Length of a trial (ms). */
  duration: number;
  /** Initial weights per synapse layer: normal(mean, std). */
  weightInit: { mean: number; std: number }[];
  /** Initial delays uniform in [0, delayInit] ms; delays are kept in [0, maxDelay] ms. */
  delayInit: number;
  maxDelay: number;
  learnDelays: boolean;
  lr: { weights: number; delays: number };
  adam: AdamHyper;
  loss: FirstSpikeLossParams;
}

/** One trial: input spikes and the class. */
export interface Trial {
  input: Spike[];
  label: number;
}

/**
 * Yin-Yang points as real-valued spike times (no time grid): inputs x, y, 1 - x, 1 - y spike at
 * first + value * (last - first) ms, and a bias input at `bias` ms.
 */
export function yinYangTrials(points: PointSet, first = 0, last = 30, bias = 0): Trial[] {
  return Array.from({ length: points.count }, (_, s) => {
    const x = points.coords[2 * s]!;
    const y = points.coords[2 * s + 1]!;
    const input = [x, y, 1 - x, 1 - y].map((v, neuron) => ({ time: first + v * (last - first), neuron }));
    input.push({ time: bias, neuron: 4 });
    return { input, label: points.labels[s]! };
  });
}

/** The output layer's first spike times (null where a neuron did not spike). */
function firstTimes(setup: EventPropSetup, layers: readonly ExactLayer[], input: readonly Spike[]) {
  const pass = forwardPass(setup.lif, layers, input, setup.duration);
  const out = pass.layers.at(-1)!;
  return { pass, first: out.traces.map((n) => n.spikes[0] ?? null) };
}

export class EventPropTrainer {
  readonly layers: ExactLayer[];
  private readonly weights: Float64Array[];
  private readonly delays: Float64Array[];
  private readonly adamWeights: AdamState[];
  private readonly adamDelays: AdamState[];
  /** Optimiser steps taken. */
  steps = 0;

  constructor(
    readonly setup: EventPropSetup,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const { sizes } = setup;
    this.weights = sizes.slice(1).map((n, l) => {
      const { mean, std } = setup.weightInit[l]!;
      return Float64Array.from({ length: sizes[l]! * n }, () => rng.normal(mean, std));
    });
    this.delays = sizes
      .slice(1)
      .map((n, l) => Float64Array.from({ length: sizes[l]! * n }, () => setup.delayInit * rng.uniform()));
    this.layers = this.weights.map((weights, l) => ({
      inputs: sizes[l]!,
      outputs: sizes[l + 1]!,
      weights,
      delays: this.delays[l]!,
    }));
    this.adamWeights = this.weights.map((w) => new AdamState(w.length));
    this.adamDelays = this.delays.map((d) => new AdamState(d.length));
  }

  /** One Adam step on the mean loss of the trials; returns that loss. */
  step(trials: readonly Trial[]): number {
    const gw = this.weights.map((w) => new Float64Array(w.length));
    const gd = this.delays.map((d) => new Float64Array(d.length));
    let total = 0;
    for (const trial of trials) {
      const { pass, first } = firstTimes(this.setup, this.layers, trial.input);
      const { loss, grads } = firstSpikeLoss(first, trial.label, this.setup.duration, this.setup.loss);
      total += loss;
      // dL/dt of the last layer's spikes, in their sorted order: only first spikes carry it.
      const out = pass.layers.at(-1)!;
      const seen = new Set<number>();
      const timeGrads = out.spikes.map((s) => {
        if (seen.has(s.neuron)) return 0;
        seen.add(s.neuron);
        return grads[s.neuron]!;
      });
      const g = eventPropBackward(this.setup.lif, this.layers, pass, timeGrads);
      g.weights.forEach((w, l) => w.forEach((v, q) => (gw[l]![q]! += v / trials.length)));
      g.delays.forEach((d, l) => d.forEach((v, q) => (gd[l]![q]! += v / trials.length)));
    }
    // A grazing threshold crossing (V' = 0 at the spike) has no finite spike-time derivative.
    for (const g of [...gw, ...gd]) {
      if (!g.every(Number.isFinite)) throw new TrainingDivergedError('an EventProp gradient', this.steps);
    }
    this.steps++;
    const { lr, adam, maxDelay, learnDelays } = this.setup;
    this.weights.forEach((w, l) => this.adamWeights[l]!.apply(w, gw[l]!, lr.weights, adam));
    if (learnDelays) {
      this.delays.forEach((d, l) => {
        this.adamDelays[l]!.apply(d, gd[l]!, lr.delays, adam);
        for (let q = 0; q < d.length; q++) d[q] = Math.min(maxDelay, Math.max(0, d[q]!));
      });
    }
    return total / Math.max(1, trials.length);
  }

  /** Share of the trials whose first output spike is the label's. */
  accuracy(trials: readonly Trial[]): number {
    let right = 0;
    for (const t of trials)
      if (firstSpikeClass(firstTimes(this.setup, this.layers, t.input).first) === t.label) right++;
    return right / Math.max(1, trials.length);
  }
}

/** A small Yin-Yang network in the EventProp papers' style: 5 -> hidden -> 3, first-spike readout. */
export function yinYangSetup(hidden = 40, learnDelays = true): EventPropSetup {
  return {
    sizes: [5, hidden, 3],
    lif: { tauMem: 20, tauSyn: 5, threshold: 1 },
    duration: 60,
    weightInit: [
      { mean: 3, std: 2 },
      { mean: 2, std: 1.5 },
    ],
    delayInit: 2,
    maxDelay: 20,
    learnDelays,
    lr: { weights: 0.01, delays: 0.05 },
    adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    loss: FIRST_SPIKE_LOSS,
  };
}
