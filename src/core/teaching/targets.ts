import type { ExperimentConfig } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import { preset } from '../presets.ts';
import { Trainer } from '../trainer.ts';

/**
 * Learn page 3, "learning target spike times" (the internship report's toy): only delays learn,
 * until each output first fires at its target step. Two cases: the report's Figure 4 (the `toy`
 * preset: 3 inputs -> 2 outputs, targets 38 and 55) and its Figure 5 (one input at step 100, its
 * target at step 900, delays up to 999 steps).
 */
export type TargetCase = 'toy' | 'far';
export const TARGET_CASES: readonly TargetCase[] = ['toy', 'far'];

/**
 * Figure 5's case. One input spike must reach the threshold alone, so its weight is 25 (the toy's
 * three inputs share about 15). It starts 75 steps late, as the report's first spike near 180
 * does, with a Gaussian of sigma 8 narrowing to 0.5 over half of its 4,000 steps (Adam, lr 0.5):
 * the spike then walks to 900 and stays (measured: 899 at step 3,500, 900 from 3,999).
 */
const FAR = {
  inputStep: 100,
  targetStep: 900,
  steps: 1000,
  maxDelay: 1000,
  weight: 25,
  delay: 75,
  epochs: 4000,
};

/** The case as a whole experiment (what the page trains and the playground opens). */
export function targetsConfig(which: TargetCase): ExperimentConfig {
  const toy = preset('toy')!;
  if (which === 'toy') return toy;
  const layer = toy.network.layers[0]!;
  return validateExperiment({
    ...toy,
    name: 'learn-far-target',
    description:
      'Learn page 3, the internship report’s Figure 5: one input spikes at step 100; only its delay learns until the output first fires at step 900 (delays up to 999 steps).',
    task: { kind: 'toy', inputTimes: [FAR.inputStep], targetTimes: [FAR.targetStep] },
    network: {
      inputs: 1,
      timeSteps: FAR.steps,
      dtMs: 1,
      layers: [
        {
          ...layer,
          size: 1,
          kernel: { ...layer.kernel, maxDelay: FAR.maxDelay },
          weightInit: { kind: 'constant', value: FAR.weight },
          delayInit: { kind: 'constant', value: FAR.delay },
        },
      ],
    },
    training: { ...toy.training, epochs: FAR.epochs },
  });
}

export interface TargetsSnapshot {
  step: number;
  totalSteps: number;
  /** Loss of every step taken so far. */
  losses: number[];
  /** First spike step of each output (-1: silent) with the current delays. */
  firstSpikes: number[];
  targets: number[];
  inputTimes: number[];
  /** Delays [input][output] (time steps). */
  delays: number[];
  sigma: number;
}

/** One case's training, stepped by the page: the CPU engine's trainer in float64. */
export class TargetsRun {
  private readonly trainer: Trainer;
  private readonly losses: number[] = [];

  constructor(readonly which: TargetCase) {
    this.trainer = new Trainer(targetsConfig(which), { precision: 'f64' });
  }

  /** Optimiser steps taken. */
  get step(): number {
    return this.trainer.step;
  }

  get totalSteps(): number {
    return this.trainer.totalSteps;
  }

  get done(): boolean {
    return this.trainer.step >= this.trainer.totalSteps;
  }

  /** Up to `n` optimiser steps (fewer at the end of the run); the toy has one sample, index 0. */
  advance(n = 1): void {
    for (let k = 0; k < n && !this.done; k++) this.losses.push(this.trainer.trainStep([0]));
  }

  snapshot(): TargetsSnapshot {
    const config = this.trainer.config;
    const task = config.task.kind === 'toy' ? config.task : { inputTimes: [], targetTimes: [] };
    return {
      step: this.trainer.step,
      totalSteps: this.totalSteps,
      losses: [...this.losses],
      firstSpikes: this.trainer.firstSpikes(0),
      targets: [...task.targetTimes],
      inputTimes: [...task.inputTimes],
      delays: Array.from(this.trainer.net.synapses[0]!.delays),
      sigma: this.trainer.currentSigma(),
    };
  }
}
