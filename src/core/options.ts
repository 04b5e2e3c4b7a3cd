import type { EncoderConfig } from './data/encoders.ts';
import type { DelayInit, EventPropLoss, LayerConfig, TaskConfig, WeightInit } from './experiment/types.ts';
import type { RewiringConfig } from './structure/rewiring.ts';
import type { LifConfig } from './neurons/lif.ts';
import type { RefractoryKernel, SrmConfig } from './neurons/srm.ts';
import type { LossConfig, TraceKernel } from './train/losses.ts';
import type { LrSchedule } from './train/schedules.ts';

/**
 * Every closed set of choices in an experiment config, declared once, with the words the
 * playground shows for it. The validator's allowed values, the config's TypeScript unions and
 * the editor's select options and tooltips all come from these lists, so a choice added here is
 * at once valid, typed and selectable, and no second list can drift out of step.
 *
 * Plain choices (a kernel mode, a surrogate) take their TypeScript union from the list
 * (`OptionValue<typeof KERNEL_MODES>`). Choices that pick a variant of a discriminated union (a
 * loss, a task, an encoder: each `kind` has its own fields) keep the union where the variant's
 * fields are declared; their list is checked against it here (`satisfies`, no unknown value) and
 * in options.test.ts (no value missing).
 *
 * The order of a list is the order the editor shows, and its first entry is what the validator
 * assumes, after reporting the problem, to keep reading the fields of an object whose kind is
 * unknown.
 */
export interface Option<V extends string> {
  readonly value: V;
  /** The name shown in a select. */
  readonly label: string;
  /** What the choice does and when to pick it, in a sentence or two (shown as a tooltip). */
  readonly help: string;
}

/** The values of an option list, as a union type. */
export type OptionValue<O extends readonly Option<string>[]> = O[number]['value'];

/** The values of an option list, in its order. */
export function optionValues<V extends string>(options: readonly Option<V>[]): V[] {
  return options.map((o) => o.value);
}

/** The option with `value` (the list's type guarantees there is one). */
export function optionFor<O extends readonly Option<string>[], V extends OptionValue<O>>(
  options: O,
  value: V,
): Extract<O[number], { value: V }> {
  return options.find((o) => o.value === value) as Extract<O[number], { value: V }>;
}

export const KERNEL_MODES = [
  {
    value: 'gauss',
    label: 'Gaussian (DCLS)',
    help: 'Each synapse spreads its weight over a Gaussian centred at its delay, of width σ shrinking during training (DCLS). The smooth kernel gives every input a delay gradient, which is what lets delays find far targets.',
  },
  {
    value: 'lerp',
    label: 'linear interpolation',
    help: 'Two taps at floor(d) and floor(d) + 1, weighted by the fractional part of the delay (a SLAYER-like fractional shift). Cheap, but an input arriving after its target gets no gradient.',
  },
  {
    value: 'round',
    label: 'integer (ring buffer)',
    help: 'One tap at the rounded delay, as a spike ring buffer on hardware does. No delay gradient on its own: for inference, or for delays that stay fixed.',
  },
  {
    value: 'hardware',
    label: 'integer forward, smooth backward',
    help: 'The forward pass rounds delays as hardware would; the delay gradient comes from a smooth kernel (as SLAYER trains). The network learns with the quantisation it is evaluated with.',
  },
] as const satisfies readonly Option<string>[];

/** The smooth kernels whose delay derivative the hardware mode borrows. */
export const HARDWARE_BACKWARDS = [
  optionFor(KERNEL_MODES, 'gauss'),
  optionFor(KERNEL_MODES, 'lerp'),
] as const;

export const DELAY_ROUNDINGS = [
  {
    value: 'floor',
    label: 'floor',
    help: 'A delay d uses the tap floor(d), as SLAYER and lava-dl do at inference.',
  },
  {
    value: 'nearest',
    label: 'nearest',
    help: 'A delay d uses the nearest tap, round(d), as DCLS does at inference.',
  },
] as const satisfies readonly Option<string>[];

export const NEURON_MODELS = [
  {
    value: 'lif',
    label: 'LIF',
    help: 'Leaky integrate-and-fire: the membrane leaks towards its input with time constant τ and resets after a spike (forward Euler).',
  },
  {
    value: 'srm',
    label: 'SRM (SLAYER)',
    help: "Spike response model with SLAYER's kernels: inputs shaped by a synaptic kernel (τs), spikes followed by a refractory kernel (τr).",
  },
] as const satisfies readonly Option<(LifConfig | SrmConfig)['model']>[];

export const LIF_RESETS = [
  { value: 'hard', label: 'hard (to 0)', help: 'After a spike the membrane is set to 0.' },
  {
    value: 'soft',
    label: 'soft (subtract threshold)',
    help: 'After a spike the threshold is subtracted from the membrane, so what exceeded it carries over.',
  },
] as const satisfies readonly Option<string>[];

export const SURROGATES = [
  {
    value: 'arctan',
    label: 'arctan',
    help: "Pseudo-derivative (α/2) / (1 + (π/2 · α · x)²) of the spike at distance x from threshold: snnTorch's and SpikingJelly's default, with long tails.",
  },
  {
    value: 'fastSigmoid',
    label: 'fast sigmoid',
    help: "Pseudo-derivative (α/2) / (1 + α|x|)²: SuperSpike's shape, tails shorter than arctan's.",
  },
  {
    value: 'slayerExp',
    label: 'SLAYER exponential',
    help: "SLAYER's exponential density (α/2) · exp(-α|x|). Its tails vanish fast: α must match the membrane's scale, or far-from-threshold neurons get no gradient at all.",
  },
] as const satisfies readonly Option<string>[];

export const LOSSES = [
  {
    value: 'ceSumMembrane',
    label: 'cross-entropy, summed membrane',
    help: "Cross-entropy on logits = each output's membrane summed over time (a leaky readout, as DCLS uses).",
  },
  {
    value: 'ceMaxMembrane',
    label: 'cross-entropy, max membrane',
    help: "Cross-entropy on logits = each output's highest membrane over time.",
  },
  {
    value: 'spikeCount',
    label: 'spike count',
    help: "Squared error between output spike counts and target rates for the true and the other classes (SLAYER's NumSpikes).",
  },
  {
    value: 'spikeTime',
    label: 'spike train (SLAYER)',
    help: "SLAYER's spike-time loss: the squared difference between filtered output and target spike trains.",
  },
  {
    value: 'firstSpikeTime',
    label: 'first-spike time',
    help: "Pulls each output's first spike to its target step; silent outputs are pushed towards threshold. Needs target spike times (the toy task).",
  },
] as const satisfies readonly Option<LossConfig['kind']>[];

export const TRAINING_METHODS = [
  {
    value: 'bptt',
    label: 'BPTT (surrogate gradients)',
    help: 'Backpropagation through every time step, with a smooth stand-in for the spike derivative. Works with every neuron, kernel and loss; memory grows with time steps x neurons.',
  },
  {
    value: 'eventprop',
    label: 'EventProp (exact, event-based)',
    help: 'Exact gradients of weights and delays computed from spike times alone (Wunderlich & Pehle 2021, delays as in mlGeNN). LIF neurons with a synaptic current; memory grows with the number of spikes, not with time steps.',
  },
] as const satisfies readonly Option<string>[];

export const EVENTPROP_SIMULATIONS = [
  {
    value: 'exact',
    label: 'exact (event-driven)',
    help: 'Closed-form solution between events: spike times to machine precision and real-valued delays, no time grid.',
  },
  {
    value: 'stepped',
    label: 'time-stepped',
    help: 'Fixed steps of dt ms, arrivals delivered at the next step and spike times interpolated within the step, as mlGeNN runs it (and a GPU can). Its gradients approach the exact ones as dt shrinks.',
  },
] as const satisfies readonly Option<string>[];

export const EVENTPROP_LOSSES = [
  {
    value: 'firstSpike',
    label: 'first-spike time',
    help: 'Cross-entropy over the output neurons’ first spike times (earliest wins), with a regulariser pulling the right one earlier: for latency-coded data such as Yin-Yang.',
  },
  {
    value: 'voltageSum',
    label: 'readout membrane, mean over time',
    help: 'Cross-entropy over a non-spiking readout’s membrane averaged over the trial: for data such as SHD.',
  },
  {
    value: 'voltageMax',
    label: 'readout membrane, max over time',
    help: 'Cross-entropy over a non-spiking readout’s highest membrane in the trial.',
  },
] as const satisfies readonly Option<EventPropLoss['kind']>[];

export const REGROWTHS = [
  {
    value: 'random',
    label: 'random (DEEP R)',
    help: 'Dormant synapses chosen uniformly at random take the place of those that went dormant.',
  },
  {
    value: 'gradient',
    label: 'largest gradient (RigL)',
    help: 'The dormant synapses whose loss gradient is largest in magnitude regrow: they would have helped most.',
  },
] as const satisfies readonly Option<RewiringConfig['regrowth']>[];

export const LAYER_STORAGES = [
  {
    value: 'auto',
    label: 'automatic',
    help: 'Only the existing synapses are stored from 93.75 % sparsity, where the sparse loops are also the faster ones; denser layers are stored whole with a mask.',
  },
  {
    value: 'compact',
    label: 'existing synapses only',
    help: 'Memory follows the existing synapses at any sparsity, at the cost of the slower sparse loops below 93.75 %.',
  },
] as const satisfies readonly Option<NonNullable<LayerConfig['storage']>>[];

export const ADAM_VARIANTS = [
  {
    value: 'adam',
    label: 'Adam',
    help: 'Adam with bias correction: each parameter steps by its mean gradient over the root of its mean squared gradient.',
  },
  {
    value: 'amsgrad',
    label: 'AMSGrad',
    help: 'Adam dividing by the largest mean squared gradient seen so far, so a parameter’s steps never grow back (PyTorch’s amsgrad; the delay-only authors’ code).',
  },
] as const satisfies readonly Option<string>[];

export const READOUTS = [
  {
    value: 'logits',
    label: 'membrane',
    help: 'The class whose output membrane, summed over time (its maximum for the max-membrane loss), is highest.',
  },
  {
    value: 'count',
    label: 'spike count',
    help: 'The class whose output spikes most often; ties go to the one that spiked first.',
  },
  {
    value: 'firstSpike',
    label: 'first spike',
    help: 'The class whose output spikes first; ties go to the one with more spikes.',
  },
  {
    value: 'firstSpikeOrCount',
    label: 'first spike, ties by all spikes',
    help: 'The class whose output spikes first; when several share the first step, the output with the most spikes wins, even one that spiked later (the delay-only authors’ code).',
  },
] as const satisfies readonly Option<string>[];

export const ENCODERS = [
  {
    value: 'threshold',
    label: 'threshold',
    help: 'One spike, at a fixed step, on every pixel brighter than the threshold (the delay-only paper: > 127 at step 0).',
  },
  {
    value: 'latency',
    label: 'latency',
    help: 'Time to first spike: one spike per pixel, brighter pixels earlier; pixels at or below the cutoff stay silent.',
  },
  {
    value: 'rate',
    label: 'rate (Bernoulli)',
    help: 'Every step a pixel spikes with a probability proportional to its brightness.',
  },
  {
    value: 'intensityBins',
    label: 'intensity bins',
    help: "The delay-only authors' code: brightness cut into equal bins, one spike per non-zero pixel, brighter bins earlier.",
  },
] as const satisfies readonly Option<EncoderConfig['kind']>[];

export const TASKS = [
  {
    value: 'toy',
    label: 'toy (3 inputs → 2 target spike times)',
    help: 'Three inputs spike once; the outputs must first fire at their target steps. Delays alone can solve it.',
  },
  {
    value: 'patterns',
    label: 'spike patterns',
    help: 'Synthetic classes, each a random set of (input, step) spikes, with time jitter and noise spikes; delays can align a class.',
  },
  {
    value: 'randomSpikes',
    label: 'random spikes',
    help: 'Random spikes with random labels: for measuring speed, not learning.',
  },
  {
    value: 'yinyang',
    label: 'Yin-Yang',
    help: 'Points of the Yin-Yang figure (3 classes), generated from the seed and latency-coded on 5 inputs.',
  },
  {
    value: 'images',
    label: 'images',
    help: 'Labelled images (MNIST, Fashion-MNIST) turned into spikes by an encoder.',
  },
  {
    value: 'events',
    label: 'spike recordings',
    help: 'Recorded spike trains (SHD, SSC) binned into time steps, adjacent channels pooled.',
  },
] as const satisfies readonly Option<TaskConfig['kind']>[];

export const WEIGHT_INITS = [
  { value: 'normal', label: 'normal', help: 'Weights drawn from normal(mean, std), times the scale.' },
  {
    value: 'ternary',
    label: 'ternary {-1, 0, 1}',
    help: 'Normal draws rounded and clipped to -1, 0 or 1, times the scale (the delay-only paper).',
  },
  { value: 'uniform', label: 'uniform', help: 'Weights uniform between low and high.' },
  { value: 'constant', label: 'constant', help: 'Every weight the same value.' },
] as const satisfies readonly Option<WeightInit['kind']>[];

export const TRACE_KERNELS = [
  { value: 'exponential', label: 'exponential', help: 'Spikes filtered by exp(-n / τ): a jump, then decay.' },
  {
    value: 'alpha',
    label: 'alpha (SLAYER)',
    help: 'Spikes filtered by (n / τ) e^(1 - n / τ): rising to 1 at τ steps, then falling (SLAYER, the delay-only authors’ code).',
  },
] as const satisfies readonly Option<TraceKernel>[];

export const REFRACTORY_KERNELS = [
  {
    value: 'exponential',
    label: 'exponential',
    help: 'After a spike the membrane drops at once, then recovers.',
  },
  {
    value: 'alpha',
    label: 'alpha (SLAYER)',
    help: 'After a spike the membrane is pulled down gradually, most at τr (SLAYER, the delay-only authors’ code); needs detached resets.',
  },
] as const satisfies readonly Option<RefractoryKernel>[];

export const DELAY_INITS = [
  { value: 'uniform', label: 'uniform', help: 'Delays uniform between low and high time steps.' },
  { value: 'constant', label: 'constant', help: 'Every delay the same number of time steps.' },
  {
    value: 'values',
    label: 'per synapse',
    help: 'One delay per synapse (time steps), as a Learn page set them up.',
  },
] as const satisfies readonly Option<DelayInit['kind']>[];

export const SIGMA_SCHEDULES = [
  {
    value: 'multiplicative',
    label: 'multiplicative decay',
    help: "σ shrinks by a constant factor per step until it reaches its final value (DCLS's schedule), then stays.",
  },
  {
    value: 'linear',
    label: 'linear decay',
    help: 'σ falls linearly to its final value, then stays.',
  },
  {
    value: 'constant',
    label: 'constant',
    help: 'σ keeps its initial value. Without annealing, Gaussian delays find far targets less often.',
  },
] as const satisfies readonly Option<string>[];

export const LR_SCHEDULES = [
  { value: 'constant', label: 'constant', help: 'The learning rate stays as set.' },
  {
    value: 'cosine',
    label: 'cosine annealing',
    help: 'The learning rate falls along a cosine to a fraction of itself over the run (DCLS, for delays).',
  },
  {
    value: 'oneCycle',
    label: 'one-cycle',
    help: "Warm up from a fraction of the rate to the rate, then anneal far below it (PyTorch's OneCycleLR; DCLS, for weights).",
  },
] as const satisfies readonly Option<LrSchedule['kind']>[];
