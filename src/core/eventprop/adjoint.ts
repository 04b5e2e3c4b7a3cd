import type { ExactLayer, ExactLifParams, ForwardPass } from './exactLif.ts';

/**
 * EventProp's backward pass (Wunderlich & Pehle 2021; delays as in mlGeNN) for the exact
 * forward pass of exactLif.ts: per neuron, the adjoints lambda_V = dL/dV and lambda_I = dL/dI are
 * integrated backwards in time between events in closed form,
 *
 *   d(lambda_V)/dt = lambda_V / tau_mem,   d(lambda_I)/dt = lambda_I / tau_syn - lambda_V / tau_mem,
 *
 * jump at the neuron's own spikes, and give the gradients at the arrivals of presynaptic spikes:
 *
 * - a spike at t_k (V reached the threshold, then reset to 0) moves with the state before it:
 *   dt_k = -dV / V'^-, so lambda_V^- = (V'^+ / V'^-) lambda_V^+ - (dL/dt_k) / V'^- with
 *   V'^- = (I - threshold) / tau_mem, V'^+ = I / tau_mem (lambda_I does not jump);
 * - an arrival at a = t_i + d_ji adds w_ji to I: dL/dw_ji += lambda_I(a), and moving it later
 *   takes w_ji out of I for that while: dL/da = w_ji (lambda_I(a) / tau_syn - lambda_V(a) / tau_mem),
 *   which is dL/dd_ji and, summed over the spike's arrivals, dL/dt_i of the presynaptic spike:
 *   the previous layer's dL/dt_k.
 *
 * These are the derivatives of the event-based loss itself, exact wherever no spike appears or
 * vanishes under the perturbation (tests compare them with central finite differences).
 */

/** Gradients of the loss with respect to every layer's weights and delays, [inputs][outputs]. */
export interface EventPropGradients {
  weights: Float64Array[];
  delays: Float64Array[];
  /** dL/dt of each input spike (in the sorted order of the forward pass's input). */
  inputTimes: Float64Array;
}

/**
 * Per layer, gradient sums by output neuron, [outputs][inputs] (entry j * inputs + i), that
 * backward passes add into: a neuron's arrivals then add into one row, not one value every
 * `outputs` entries, and a batch's samples share one set.
 */
export interface GradientSums {
  weights: Float64Array[];
  delays: Float64Array[];
}

/** Zeroed sums for `layers`. */
export function gradientSums(layers: readonly ExactLayer[]): GradientSums {
  return {
    weights: layers.map((l) => new Float64Array(l.inputs * l.outputs)),
    delays: layers.map((l) => new Float64Array(l.inputs * l.outputs)),
  };
}

/**
 * lambda_V and lambda_I `s` ms earlier, from their values at a time (no own spike in between),
 * under a constant loss term dl/dV = `forcing` (a readout's integral loss; 0 otherwise). Going
 * backwards (tau = elapsed backward time): d(lambda_V)/d(tau) = -lambda_V / tau_mem + forcing and
 * d(lambda_I)/d(tau) = -lambda_I / tau_syn + lambda_V / tau_mem, solved in closed form.
 */
function backwards(
  p: ExactLifParams,
  lambdaV: number,
  lambdaI: number,
  s: number,
  forcing: number,
  out: Float64Array,
): void {
  const a = forcing * p.tauMem;
  const b = lambdaV - a;
  const k = (a * p.tauSyn) / p.tauMem;
  const c = (b * p.tauSyn) / (p.tauMem - p.tauSyn);
  const eMem = Math.exp(-s / p.tauMem);
  out[0] = a + b * eMem;
  out[1] = k + c * eMem + (lambdaI - k - c) * Math.exp(-s / p.tauSyn);
}

/** What a loss on a readout layer gives the backward pass. */
export type ReadoutGrads =
  { integralGrads: ArrayLike<number>; duration: number } | { maxGrads: ArrayLike<number>; duration: number };

/**
 * The gradients from the forward pass and dL/dt of each spike of the last layer (`outputTimeGrads`,
 * in its sorted spike order; the loss's own dependence on spike times).
 */
export function eventPropBackward(
  p: ExactLifParams,
  layers: readonly ExactLayer[],
  pass: ForwardPass,
  outputTimeGrads: ArrayLike<number>,
  /**
   * A non-spiking readout as the last layer (forwardPass with a readout output): the trial's
   * length (ms), and dL/d(integral of V) of each of its neurons (a loss term acting over the
   * whole trial) or dL/d(max of V) (acting at the time of each neuron's maximum).
   */
  readout: ReadoutGrads | null = null,
  /**
   * Loss terms on the highest V of output neurons that did not spike (the first-spike loss's
   * push for a silent label neuron): by output neuron, when its maximum was and dL/d(max).
   * Without spikes its V is a readout's, so the term's adjoint is the readout maximum's.
   */
  silentPeaks: ReadonlyMap<number, { time: number; grad: number }> | null = null,
): EventPropGradients {
  const sums = gradientSums(layers);
  const inputTimes = eventPropBackwardInto(sums, p, layers, pass, outputTimeGrads, readout, silentPeaks);
  // [outputs][inputs] -> [inputs][outputs].
  const byInput = (byOutput: Float64Array, l: number): Float64Array => {
    const { inputs, outputs } = layers[l]!;
    const out = new Float64Array(inputs * outputs);
    for (let j = 0; j < outputs; j++)
      for (let i = 0; i < inputs; i++) out[i * outputs + j] = byOutput[j * inputs + i]!;
    return out;
  };
  return { weights: sums.weights.map(byInput), delays: sums.delays.map(byInput), inputTimes };
}

/**
 * eventPropBackward adding its parameter gradients into `sums` (by output neuron); returns dL/dt
 * of each input spike.
 */
export function eventPropBackwardInto(
  sums: GradientSums,
  p: ExactLifParams,
  layers: readonly ExactLayer[],
  pass: ForwardPass,
  outputTimeGrads: ArrayLike<number>,
  readout: ReadoutGrads | null,
  silentPeaks: ReadonlyMap<number, { time: number; grad: number }> | null,
): Float64Array {
  let timeGrads = Float64Array.from(outputTimeGrads);
  // (lambda_V, lambda_I) after each backward stretch (one array: no allocation per event).
  const state = new Float64Array(2);
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const { spikes, traces } = pass.layers[l]!;
    if (timeGrads.length !== spikes.length)
      throw new Error(`layer ${l}: ${timeGrads.length} spike-time gradients for ${spikes.length} spikes`);
    // Each neuron's spikes' places in the layer's sorted spike list.
    const spikeIndex: number[][] = traces.map(() => []);
    spikes.forEach((s, k) => spikeIndex[s.neuron]!.push(k));
    const previousSpikes = l === 0 ? pass.input : pass.layers[l - 1]!.spikes;
    const previousGrads = new Float64Array(previousSpikes.length);
    const inputs = layer.inputs;
    const weightsByOutput = sums.weights[l]!;
    const delaysByOutput = sums.delays[l]!;
    traces.forEach((trace, j) => {
      const arrivals = pass.arrivals(l, j);
      const isReadout = readout !== null && l === layers.length - 1;
      // A readout's maximum is a point event: going backwards, lambda_V jumps by dL/d(max) there.
      // At equal times it comes before the arrivals (the maximum is V there, continuous in t).
      const peak =
        isReadout && 'maxGrads' in readout
          ? { time: trace.maxTime ?? 0, grad: readout.maxGrads[j]! }
          : l === layers.length - 1
            ? (silentPeaks?.get(j) ?? null)
            : null;
      // A readout's integral loss acts over the whole trial, so its adjoint starts at the trial's
      // end; arrivals after the end changed nothing.
      const forcing = isReadout && 'integralGrads' in readout ? readout.integralGrads[j]! : 0;
      const end = readout ? readout.duration : Infinity;
      const own = trace.spikes;
      // Own spikes, arrivals and a readout's peak, latest first: a merge of the sorted lists run
      // backwards. At equal times the arrival (which the forward pass applied after a spike at
      // that instant) is undone first, then the peak, then the spike.
      let a = arrivals.count - 1;
      let n = own.length - 1;
      let peakLeft = peak !== null;
      let lambdaV = 0;
      let lambdaI = 0;
      let t = isReadout
        ? end
        : Math.max(own[n] ?? -Infinity, a >= 0 ? arrivals.time[a]! : -Infinity, peak?.time ?? -Infinity, 0);
      for (;;) {
        const arrivalTime = a >= 0 ? arrivals.time[a]! : -Infinity;
        const spikeTime = n >= 0 ? own[n]! : -Infinity;
        const peakTime = peakLeft ? peak!.time : -Infinity;
        const time = Math.max(arrivalTime, spikeTime, peakTime);
        if (time === -Infinity) break;
        const kind = arrivalTime === time ? ARRIVAL : peakTime === time ? PEAK : SPIKE;
        if (time > end) {
          // Only arrivals can lie past a readout's end (its spikes and peak lie within).
          a--;
          continue;
        }
        if (lambdaV === 0 && lambdaI === 0 && forcing === 0) {
          // Zero adjoints stay zero going back (what `backwards` computes too, +0 for both),
          // without its two exponentials: a neuron after its last spike, or one that never spikes.
          lambdaV = 0;
          lambdaI = 0;
        } else {
          backwards(p, lambdaV, lambdaI, t - time, forcing, state);
          lambdaV = state[0]!;
          lambdaI = state[1]!;
        }
        t = time;
        if (kind === PEAK) {
          lambdaV += peak!.grad;
          peakLeft = false;
        } else if (kind === SPIKE) {
          const current = trace.currents[n]!;
          const before = (current - p.threshold) / p.tauMem;
          const after = current / p.tauMem;
          const dLdt = timeGrads[spikeIndex[j]![n]!]!;
          lambdaV = (after / before) * lambdaV - dLdt / before;
          n--;
        } else {
          const q = j * inputs + arrivals.from[a]!;
          const dLda = arrivals.jump[a]! * (lambdaI / p.tauSyn - lambdaV / p.tauMem);
          weightsByOutput[q]! += lambdaI;
          delaysByOutput[q]! += dLda;
          previousGrads[arrivals.spike[a]!]! += dLda;
          a--;
        }
      }
    });
    timeGrads = previousGrads;
  }
  return timeGrads;
}

/** Kinds of backward events. */
const ARRIVAL = 0;
const PEAK = 1;
const SPIKE = 2;
