import { Rng } from '../rng.ts';
import { eventPropBackward } from './adjoint.ts';
import {
  forwardPass,
  type ExactLayer,
  type ExactLifParams,
  type LayerPass,
  type OutputKind,
  type Spike,
} from './exactLif.ts';

/**
 * EventProp's gradients against central finite differences of the same event-based loss, on a
 * small feed-forward network of the exact LIF (random weights strong enough that neurons spike,
 * several times; random real delays). The loss weighs every output spike time by a fixed random
 * factor per (neuron, n-th spike), so every spike matters.
 *
 * The finite differences are Richardson-extrapolated central differences (steps h and h / 2) at
 * two sizes of h (STEPS): the loss carries about 1e-12 of spike-time noise through the layers,
 * so the step cannot be tiny, and near a grazing threshold crossing the O(h^2) error of a plain
 * central difference is large. A parameter whose perturbation makes any spike appear or vanish has no derivative there
 * and is left out (counted in `skipped`).
 */
export interface EventPropCheck {
  param: 'weights' | 'delays';
  /** Largest relative error (to the gradient, or to 1 % of the largest one for tiny ones). */
  maxRelError: number;
  /** Largest |gradient|: the check does not compare zeros. */
  gradScale: number;
  compared: number;
  skipped: number;
}

const LIF: ExactLifParams = { tauMem: 20, tauSyn: 5, threshold: 1 };
const DURATION = 60;
/**
 * Steps of the two Richardson estimates: the larger keeps spike-time noise (about 1e-12 in the
 * loss) far below small gradients, the smaller keeps the curvature error of a near-grazing
 * threshold crossing (gradients of ~100, falling as h^4) below large ones. Each is a valid
 * estimate of the derivative; the check takes the one the analytic gradient is closer to, so a
 * wrong gradient (which differs from both) still fails.
 */
const STEPS = [2e-4, 2e-5] as const;

/** The network of a check: `sizes` neurons per layer (inputs first), two input spikes per input. */
export function checkNetwork(
  seed: number,
  sizes: readonly number[],
): { layers: ExactLayer[]; input: Spike[] } {
  const rng = new Rng(seed);
  const layers = sizes.slice(1).map((outputs, l) => {
    const inputs = sizes[l]!;
    return {
      inputs,
      outputs,
      weights: Float64Array.from({ length: inputs * outputs }, () => rng.normal(5, 3)),
      delays: Float64Array.from({ length: inputs * outputs }, () => 6 * rng.uniform()),
    };
  });
  const input = Array.from({ length: 2 * sizes[0]! }, (_, k) => ({
    time: 15 * rng.uniform(),
    neuron: k % sizes[0]!,
  }));
  return { layers, input };
}

/** L = sum over output spikes of c(neuron, n) x time, and dL/dt in the layer's sorted spike order. */
function spikeTimeLoss(out: LayerPass, c: readonly number[]): { loss: number; grads: Float64Array } {
  const seen = new Map<number, number>();
  const grads = new Float64Array(out.spikes.length);
  let loss = 0;
  out.spikes.forEach((s, k) => {
    const n = seen.get(s.neuron) ?? 0;
    seen.set(s.neuron, n + 1);
    const weight = c[(s.neuron * 7 + n) % c.length]!;
    loss += weight * s.time;
    grads[k] = weight;
  });
  return { loss, grads };
}

/**
 * The check of both parameter kinds of every layer of a network of `sizes` neurons per layer;
 * with `output` 'integral' or 'max' its last layer is a non-spiking readout and the loss weighs
 * each readout neuron's integral or maximum of V (the terms the voltage losses are built from).
 */
export function eventPropGradcheck(
  seed: number,
  sizes: readonly number[],
  output: OutputKind = 'spiking',
): EventPropCheck[] {
  const readout = output !== 'spiking';
  const { layers, input } = checkNetwork(seed, sizes);
  const rng = new Rng(seed + 100);
  const c = Array.from({ length: 64 }, () => rng.normal(0, 1));
  const run = () => {
    const pass = forwardPass(LIF, layers, input, DURATION, output);
    // Every layer's spike counts: a hidden spike that appears or vanishes breaks the derivative too.
    const counts = pass.layers.flatMap((layer) => layer.traces.map((n) => n.spikes.length));
    const out = pass.layers.at(-1)!;
    // A readout: L = sum of c_j x (integral or max of V_j), the form of the voltage losses' terms.
    const loss = readout
      ? {
          loss: out.traces.reduce((sum, n, j) => sum + c[j]! * (output === 'max' ? n.max! : n.integral!), 0),
          grads: new Float64Array(0),
        }
      : spikeTimeLoss(out, c);
    return { pass, counts, ...loss };
  };
  const base = run();
  const grads = eventPropBackward(
    LIF,
    layers,
    base.pass,
    base.grads,
    output === 'integral'
      ? { integralGrads: c.slice(0, sizes.at(-1)), duration: DURATION }
      : output === 'max'
        ? { maxGrads: c.slice(0, sizes.at(-1)), duration: DURATION }
        : null,
  );
  const sameSpikes = (x: readonly number[]): boolean => x.every((n, j) => n === base.counts[j]);
  return (['weights', 'delays'] as const).map((param) => {
    const analytic = Float64Array.from(grads[param].flatMap((g) => Array.from(g)));
    const gradScale = Math.max(...Array.from(analytic, Math.abs));
    let maxRelError = 0;
    let compared = 0;
    let skipped = 0;
    let offset = 0;
    for (const layer of layers) {
      const values = layer[param] as Float64Array;
      for (let q = 0; q < values.length; q++) {
        const keep = values[q]!;
        const at = (x: number) => {
          values[q] = x;
          const r = run();
          values[q] = keep;
          return r;
        };
        const estimates: number[] = [];
        let changed = false;
        for (const h of STEPS) {
          const points = [at(keep + h), at(keep - h), at(keep + h / 2), at(keep - h / 2)];
          if (!points.every((r) => sameSpikes(r.counts))) {
            changed = true;
            break;
          }
          const [up, down, upHalf, downHalf] = points.map((r) => r.loss) as [number, number, number, number];
          estimates.push((4 * ((upHalf - downHalf) / h) - (up - down) / (2 * h)) / 3);
        }
        if (changed) {
          skipped++;
          continue;
        }
        const a = analytic[offset + q]!;
        const errors = estimates.map(
          (numeric) => Math.abs(numeric - a) / Math.max(0.01 * gradScale, Math.abs(numeric), Math.abs(a)),
        );
        maxRelError = Math.max(maxRelError, Math.min(...errors));
        compared++;
      }
      offset += values.length;
    }
    return { param, maxRelError, gradScale, compared, skipped };
  });
}
