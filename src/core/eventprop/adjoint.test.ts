import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { eventPropBackward } from './adjoint.ts';
import { forwardPass, type ExactLayer, type ExactLifParams, type LayerPass, type Spike } from './exactLif.ts';

const P: ExactLifParams = { tauMem: 20, tauSyn: 5, threshold: 1 };
const DURATION = 60;

/** A fixed weight per (output neuron, n-th spike of it): L = sum of weight x spike time. */
function lossOf(
  out: LayerPass,
  c: (neuron: number, n: number) => number,
): { loss: number; grads: Float64Array } {
  const seen = new Map<number, number>();
  const grads = new Float64Array(out.spikes.length);
  let loss = 0;
  out.spikes.forEach((s, k) => {
    const n = seen.get(s.neuron) ?? 0;
    seen.set(s.neuron, n + 1);
    loss += c(s.neuron, n) * s.time;
    grads[k] = c(s.neuron, n);
  });
  return { loss, grads };
}

function network(seed: number, sizes: number[]): { layers: ExactLayer[]; input: Spike[] } {
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

/** Max relative error of the EventProp gradients against central finite differences, and how many were compared. */
function gradcheck(seed: number, sizes: number[]): { maxRel: number; compared: number; skipped: number } {
  const { layers, input } = network(seed, sizes);
  const rng = new Rng(seed + 100);
  const c = Array.from({ length: 64 }, () => rng.normal(0, 1));
  const weightOf = (neuron: number, n: number): number => c[(neuron * 7 + n) % c.length]!;
  const run = () => {
    const pass = forwardPass(P, layers, input, DURATION);
    // Every layer's spike counts: a hidden spike that appears or vanishes breaks the derivative too.
    const counts = pass.layers.flatMap((layer) => layer.neurons.map((n) => n.trace.spikes.length));
    return { pass, ...lossOf(pass.layers.at(-1)!, weightOf), counts };
  };
  const base = run();
  const grads = eventPropBackward(P, layers, base.pass, base.grads);
  let maxRel = 0;
  let compared = 0;
  let skipped = 0;
  // Spike times are found to about 1e-14 ms, but through several layers the loss carries noise
  // of about 1e-12, so the step cannot be tiny; Richardson's extrapolation of central differences
  // at h and h / 2 cancels their O(h^2) error, which near a grazing threshold crossing is large.
  const h = 2e-4;
  for (let l = 0; l < layers.length; l++) {
    for (const [name, values, analytic] of [
      ['weight', layers[l]!.weights as Float64Array, grads.weights[l]!],
      ['delay', layers[l]!.delays as Float64Array, grads.delays[l]!],
    ] as const) {
      for (let q = 0; q < values.length; q++) {
        const keep = values[q]!;
        const at = (x: number) => {
          values[q] = x;
          const r = run();
          values[q] = keep;
          return r;
        };
        const points = [at(keep + h), at(keep - h), at(keep + h / 2), at(keep - h / 2)];
        // A spike that appears or vanishes makes the loss jump: no derivative to compare there.
        const sameSpikes = (x: number[]) => x.every((n, j) => n === base.counts[j]);
        if (!points.every((r) => sameSpikes(r.counts))) {
          skipped++;
          continue;
        }
        const [up, down, upHalf, downHalf] = points.map((r) => r.loss) as [number, number, number, number];
        const numeric = (4 * ((upHalf - downHalf) / h) - (up - down) / (2 * h)) / 3;
        // Relative to the gradient, or to a hundredth of the largest of its group for tiny ones.
        const largest = Math.max(...Array.from(analytic, Math.abs));
        const scale = Math.max(0.01 * largest, Math.abs(numeric), Math.abs(analytic[q]!));
        const rel = Math.abs(numeric - analytic[q]!) / scale;
        if (rel > maxRel) maxRel = rel;
        expect(
          rel,
          `layer ${l} ${name} ${q}: EventProp ${analytic[q]} vs finite difference ${numeric}`,
        ).toBeLessThan(1e-6);
        compared++;
      }
    }
  }
  return { maxRel, compared, skipped };
}

describe('EventProp gradients (exact, event-based) against finite differences', () => {
  it('one layer: weights and delays', () => {
    const r = gradcheck(1, [4, 3]);
    expect(r.compared).toBeGreaterThan(15);
    expect(r.maxRel).toBeLessThan(1e-6);
  });

  it('two layers: the hidden spikes move with the first layer, and the output with them', () => {
    const r = gradcheck(2, [3, 5, 2]);
    expect(r.compared).toBeGreaterThan(30);
    expect(r.maxRel).toBeLessThan(1e-6);
  });

  it('three layers, neurons spiking several times', () => {
    const r = gradcheck(5, [3, 4, 4, 2]);
    expect(r.compared).toBeGreaterThan(40);
    expect(r.skipped).toBeLessThan(r.compared / 4);
    expect(r.maxRel).toBeLessThan(1e-6);
    const { layers, input } = network(5, [3, 4, 4, 2]);
    const counts = forwardPass(P, layers, input, DURATION).layers.map((l) =>
      l.neurons.map((n) => n.trace.spikes.length),
    );
    expect(Math.max(...counts.flat())).toBeGreaterThan(1);
  });
});
