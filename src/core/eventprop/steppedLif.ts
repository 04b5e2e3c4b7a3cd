import {
  checkLifParams,
  membraneAt,
  readoutTrace,
  runLayers,
  type ArrivalTimes,
  type ExactLayer,
  type ExactLifParams,
  type ForwardPass,
  type NeuronTrace,
  type OutputKind,
  type Spike,
} from './exactLif.ts';

/**
 * The time-stepped variant of EventProp's forward pass, as mlGeNN runs it and as GPU kernels
 * can: a fixed step of dt ms; an arrival lands at the start of the first step at or after it
 * (its time rounded up to the grid, as a ring buffer of whole steps delivers it); V and I advance
 * by the exact solution over each step; a neuron whose V ends a step at or above the threshold
 * spikes at the time interpolated linearly between the step's two values, and is reset at the
 * step's end. The backward pass (adjoint.ts) runs unchanged on the events this produces; its
 * gradients approach the exact variant's as dt shrinks (tested).
 */

// The grid rule lives with the arrival lists that apply it (exactLif.ts).
export { GRID_TOLERANCE, onGrid } from './exactLif.ts';

/** One neuron on the grid; `arrivals` sorted, their times already on the grid. */
export function simulateNeuronStepped(
  p: ExactLifParams,
  arrivals: ArrivalTimes,
  duration: number,
  dt: number,
): NeuronTrace {
  const spikes: number[] = [];
  const currents: number[] = [];
  const decay = Math.exp(-dt / p.tauSyn);
  let v = 0;
  let current = 0;
  let k = 0;
  const { count, time, jump } = arrivals;
  const steps = Math.ceil(duration / dt - 1e-9);
  for (let n = 0; n < steps; n++) {
    const t = n * dt;
    while (k < count && time[k]! <= t + 1e-9 * dt) current += jump[k++]!;
    const next = membraneAt(p, v, current, dt);
    if (next >= p.threshold && v < p.threshold) {
      const fraction = (p.threshold - v) / (next - v);
      spikes.push(t + fraction * dt);
      currents.push(current * Math.exp((-fraction * dt) / p.tauSyn));
      v = 0;
    } else v = next;
    current *= decay;
  }
  return { spikes, currents };
}

/**
 * The forward pass of every layer on the grid (arrival times rounded up to it; see above). A
 * readout (`output` other than 'spiking') integrates its gridded arrivals exactly, as its steps
 * would: between steps the solution is the closed form either way.
 */
export function forwardPassStepped(
  p: ExactLifParams,
  layers: readonly ExactLayer[],
  input: readonly Spike[],
  duration: number,
  dt: number,
  output: OutputKind = 'spiking',
): ForwardPass {
  checkLifParams(p);
  if (!(dt > 0)) throw new RangeError(`dt must be a positive number of ms, got ${dt}`);
  const last = layers.length - 1;
  return runLayers(layers, input, dt, (arrivals, l) =>
    output !== 'spiking' && l === last
      ? readoutTrace(p, arrivals, duration, output)
      : simulateNeuronStepped(p, arrivals, duration, dt),
  );
}
