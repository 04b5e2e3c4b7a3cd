import type { ExperimentConfig } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import { Network } from '../network.ts';
import { preset } from '../presets.ts';
import { Rng } from '../rng.ts';
import { teachingSrm } from './srmNeuron.ts';
import { AdamState } from '../train/adam.ts';
import { sigmaAt } from '../train/schedules.ts';

/**
 * Learn page 4, "coincidence detection": four inputs spike one after another (pattern P) into
 * one neuron whose weights are too small for any input alone. Only the delays learn: the neuron
 * must fire for P and stay silent for its time-reversed twin P'. Delays that make P's spikes
 * arrive together spread P's twin out: the neuron and its delays become a detector of one
 * spatio-temporal pattern (a polychronous group).
 *
 * The loss asks the membrane's peak over time to clear the threshold by MARGIN for P and to stay
 * MARGIN below it for P': relu(theta + m - max u_P) + relu(max u_P' - theta + m); its gradient
 * reaches the delays by BPTT through the Gaussian delay kernel, whose width shrinks over the run.
 */
export const COINCIDENCE_INPUTS = 4;
/** Steps at which inputs 1..4 spike in P (P' is the same steps in reverse order). */
export const PATTERN_STEPS: readonly number[] = [5, 11, 17, 23];
export const COINCIDENCE_STEPS = 70;
export const COINCIDENCE_MAX_DELAY = 30;
/** Each synapse's weight (threshold units): all four together reach 1.2, three only 0.9. */
export const COINCIDENCE_WEIGHT = 0.3;
/** How far from the threshold each pattern's peak should be (threshold units). */
export const MARGIN = 0.15;
export const COINCIDENCE_TRAINING_STEPS = 200;
const LEARNING_RATE = 0.3;
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Input i's spike step in pattern P (`reversed`: in P'). */
export function patternStep(i: number, reversed: boolean): number {
  return PATTERN_STEPS[reversed ? COINCIDENCE_INPUTS - 1 - i : i]!;
}

/** The network (as a playground experiment: pattern P as its toy task, all delays starting at 2). */
export function coincidenceConfig(): ExperimentConfig {
  const toy = preset('toy')!;
  return validateExperiment({
    ...toy,
    name: 'learn-coincidence',
    description:
      'Learn page 4: four inputs spike in sequence (steps 5, 11, 17, 23) into one SRM neuron (weights 0.3 threshold units); only delays learn.',
    task: { kind: 'toy', inputTimes: [...PATTERN_STEPS], targetTimes: [40] },
    network: {
      inputs: COINCIDENCE_INPUTS,
      timeSteps: COINCIDENCE_STEPS,
      dtMs: 1,
      layers: [
        {
          size: 1,
          neuron: teachingSrm(5),
          kernel: {
            mode: 'gauss',
            maxDelay: COINCIDENCE_MAX_DELAY,
            rounding: 'nearest',
            hardwareBackward: 'gauss',
          },
          trainWeights: false,
          trainDelays: true,
          weightInit: { kind: 'constant', value: COINCIDENCE_WEIGHT },
          delayInit: { kind: 'constant', value: 2 },
          connectivity: 1,
          rewiring: null,
        },
      ],
    },
    optimizer: { ...toy.optimizer, delays: { lr: LEARNING_RATE, schedule: { kind: 'constant' } } },
    sigma: { kind: 'linear', initial: 4, final: 0.5, fraction: 0.6 },
    training: { ...toy.training, epochs: COINCIDENCE_TRAINING_STEPS },
  });
}

/** One pattern through the network: its arrivals, the membrane and the output spikes. */
export interface PatternResponse {
  /** Arrival step of each input's spike (spike step + delay, real-valued while training). */
  arrivals: number[];
  membrane: number[];
  spikes: number[];
  peak: number;
}

export interface CoincidenceSnapshot {
  step: number;
  totalSteps: number;
  losses: number[];
  delays: number[];
  sigma: number;
  /** [P, P'] with the starting delays and with the current ones. */
  before: [PatternResponse, PatternResponse];
  now: [PatternResponse, PatternResponse];
}

/** Both patterns as one batch of 2: [2][timeSteps][inputs]. */
function patternBatch(): Float64Array {
  const x = new Float64Array(2 * COINCIDENCE_STEPS * COINCIDENCE_INPUTS);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < COINCIDENCE_INPUTS; i++)
      x[(b * COINCIDENCE_STEPS + patternStep(i, b === 1)) * COINCIDENCE_INPUTS + i] = 1;
  return x;
}

/** The delay-only training of page 4, stepped by the page (float64, deterministic). */
export class CoincidenceRun {
  private readonly config = coincidenceConfig();
  private readonly net = new Network(this.config.network, 'f64');
  private readonly adam: AdamState;
  private readonly input = patternBatch();
  private readonly start: number[];
  private readonly losses: number[] = [];
  step = 0;

  constructor() {
    this.net.initialise(new Rng(this.config.seed));
    this.adam = new AdamState(this.net.synapses[0]!.delays.length);
    this.start = Array.from(this.net.synapses[0]!.delays);
  }

  get done(): boolean {
    return this.step >= COINCIDENCE_TRAINING_STEPS;
  }

  private sigma(step: number): number {
    return sigmaAt(this.config.sigma, COINCIDENCE_MAX_DELAY, step, COINCIDENCE_TRAINING_STEPS);
  }

  advance(n = 1): void {
    const layer = this.net.synapses[0]!;
    const threshold = this.config.network.layers[0]!.neuron.threshold;
    for (let k = 0; k < n && !this.done; k++) {
      this.net.setSigma(this.sigma(this.step));
      const rec = this.net.forward(this.input, 2);
      const u = rec.layers[0]!.neurons.membrane;
      const grad = new Float64Array(u.length);
      let loss = 0;
      for (let b = 0; b < 2; b++) {
        let at = b * COINCIDENCE_STEPS;
        for (let t = 0; t < COINCIDENCE_STEPS; t++)
          if (u[b * COINCIDENCE_STEPS + t]! > u[at]!) at = b * COINCIDENCE_STEPS + t;
        // P: raise its peak to threshold + margin; P': lower its peak to threshold - margin.
        const gap = b === 0 ? threshold + MARGIN - u[at]! : u[at]! - (threshold - MARGIN);
        if (gap > 0) {
          loss += gap;
          grad[at] = b === 0 ? -1 : 1;
        }
      }
      this.net.zeroGrad();
      this.net.backward(null, grad);
      this.adam.apply(layer.delays, layer.gradDelays, LEARNING_RATE, ADAM);
      this.net.constrain();
      this.losses.push(loss);
      this.step++;
    }
  }

  /** How the two patterns fare with `delays` through the kernel of width `sigma` (steps). */
  private respond(delays: readonly number[], sigma: number): [PatternResponse, PatternResponse] {
    const layer = this.net.synapses[0]!;
    const saved = Float64Array.from(layer.delays);
    layer.delays.set(delays);
    this.net.setSigma(sigma);
    const rec = this.net.forward(this.input, 2);
    layer.delays.set(saved);
    const { membrane, spikes } = rec.layers[0]!.neurons;
    const one = (b: number): PatternResponse => {
      const u = Array.from(membrane.subarray(b * COINCIDENCE_STEPS, (b + 1) * COINCIDENCE_STEPS));
      return {
        arrivals: delays.map((d, i) => patternStep(i, b === 1) + d),
        membrane: u,
        spikes: Array.from(spikes.subarray(b * COINCIDENCE_STEPS, (b + 1) * COINCIDENCE_STEPS)).flatMap(
          (s, t) => (s > 0 ? [t] : []),
        ),
        peak: Math.max(...u),
      };
    };
    return [one(0), one(1)];
  }

  snapshot(): CoincidenceSnapshot {
    const delays = Array.from(this.net.synapses[0]!.delays);
    return {
      step: this.step,
      totalSteps: COINCIDENCE_TRAINING_STEPS,
      losses: [...this.losses],
      delays,
      sigma: this.sigma(this.step),
      before: this.respond(this.start, this.sigma(0)),
      now: this.respond(delays, this.sigma(this.step)),
    };
  }
}
