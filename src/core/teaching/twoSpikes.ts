import type { ExperimentConfig } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import { Network } from '../network.ts';
import { preset } from '../presets.ts';
import { Rng } from '../rng.ts';
import { teachingSrm } from './srmNeuron.ts';

/**
 * Learn page 1, "one neuron, two input spikes" (the delay-only paper's Figure 2): two inputs
 * spike once each into one spike-response-model neuron through synapses of equal weight. Alone,
 * a spike lifts the membrane to `weight` (threshold units); two that arrive together reach
 * 2 x weight. Delaying the earlier spike brings the arrivals together and the neuron fires;
 * delaying the later one drives them apart and it stays silent.
 */
export interface TwoSpikesSetup {
  /** Delay of each synapse (integer time steps, 0 .. MAX_DELAY - 1). */
  delays: readonly [number, number];
}

/** Steps at which inputs A and B spike (1 ms steps). */
export const TWO_SPIKES_INPUT_STEPS: readonly [number, number] = [5, 15];
/** Simulated time steps (ms). */
export const TWO_SPIKES_STEPS = 60;
/** Taps of each synapse's ring buffer: delays 0 .. 19 steps. */
export const TWO_SPIKES_MAX_DELAY = 20;
/** Each synapse's weight, in threshold units: one spike peaks at 0.55, two together at 1.1. */
export const TWO_SPIKES_WEIGHT = 0.55;
/** The synaptic kernel's time constant (ms): a spike's response peaks this long after it arrives. */
export const TWO_SPIKES_TAU_SYN_MS = 5;
/** Where the playground's toy task asks the neuron to fire first (step), if it trains on. */
const PLAYGROUND_TARGET_STEP = 30;

/** The neuron's response, as the CPU engine computes it. */
export interface TwoSpikesResult {
  /** Membrane potential per step, threshold units. */
  membrane: number[];
  /** Steps at which the neuron spiked. */
  spikes: number[];
  /** The largest membrane value and its step. */
  peak: { value: number; step: number };
  /** When each input's spike reaches the neuron (input step + delay). */
  arrivals: [number, number];
  threshold: number;
}

/** A delay as the page accepts it: an integer in 0 .. MAX_DELAY - 1 (anything else clamped). */
export function clampTwoSpikesDelay(d: number): number {
  if (!Number.isFinite(d)) return 0;
  return Math.min(TWO_SPIKES_MAX_DELAY - 1, Math.max(0, Math.round(d)));
}

/**
 * The setup as a whole playground experiment: the toy task with these two inputs, one SRM
 * neuron (threshold 1), integer ring-buffer delays set per synapse, fixed weights; Play in the
 * playground then trains the delays toward a first spike at PLAYGROUND_TARGET_STEP.
 */
export function twoSpikesConfig(setup: TwoSpikesSetup): ExperimentConfig {
  const toy = preset('toy')!;
  const config: ExperimentConfig = {
    ...toy,
    name: 'learn-two-spikes',
    description:
      'Learn page 1: two inputs spike once (steps 5 and 15) into one SRM neuron through equal weights (0.55 threshold units); the delays decide whether it fires.',
    task: { kind: 'toy', inputTimes: [...TWO_SPIKES_INPUT_STEPS], targetTimes: [PLAYGROUND_TARGET_STEP] },
    network: {
      inputs: 2,
      timeSteps: TWO_SPIKES_STEPS,
      dtMs: 1,
      layers: [
        {
          size: 1,
          neuron: teachingSrm(TWO_SPIKES_TAU_SYN_MS),
          kernel: {
            mode: 'round',
            maxDelay: TWO_SPIKES_MAX_DELAY,
            rounding: 'nearest',
            hardwareBackward: 'gauss',
          },
          trainWeights: false,
          trainDelays: false,
          weightInit: { kind: 'constant', value: TWO_SPIKES_WEIGHT },
          delayInit: { kind: 'values', values: setup.delays.map(clampTwoSpikesDelay) },
          connectivity: 1,
          rewiring: null,
        },
      ],
    },
  };
  return validateExperiment(config);
}

/** Runs the setup through the CPU engine's network (float64) and reads the neuron's response. */
export function simulateTwoSpikes(setup: TwoSpikesSetup): TwoSpikesResult {
  const config = twoSpikesConfig(setup);
  const net = new Network(config.network, 'f64');
  net.initialise(new Rng(config.seed));
  const input = new Float64Array(TWO_SPIKES_STEPS * 2);
  TWO_SPIKES_INPUT_STEPS.forEach((step, i) => (input[step * 2 + i] = 1));
  const record = net.forward(input, 1);
  const neurons = record.layers[0]!.neurons;
  const membrane = Array.from(neurons.membrane);
  const spikes = Array.from(neurons.spikes).flatMap((s, t) => (s > 0 ? [t] : []));
  let step = 0;
  membrane.forEach((v, t) => {
    if (v > membrane[step]!) step = t;
  });
  const delays = config.network.layers[0]!.delayInit;
  const [dA, dB] = delays.kind === 'values' ? delays.values : [0, 0];
  return {
    membrane,
    spikes,
    peak: { value: membrane[step]!, step },
    arrivals: [TWO_SPIKES_INPUT_STEPS[0] + dA!, TWO_SPIKES_INPUT_STEPS[1] + dB!],
    threshold: config.network.layers[0]!.neuron.threshold,
  };
}
