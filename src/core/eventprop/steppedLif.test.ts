import { describe, expect, it } from 'vitest';
import { eventPropBackward } from './adjoint.ts';
import { forwardPass, type ExactLifParams, type LayerPass } from './exactLif.ts';
import { checkNetwork } from './gradcheck.ts';
import { forwardPassStepped, onGrid } from './steppedLif.ts';

const P: ExactLifParams = { tauMem: 20, tauSyn: 5, threshold: 1 };

/** dL/dt = 1 for every output spike: L = sum of output spike times. */
const ones = (out: LayerPass) => new Float64Array(out.spikes.length).fill(1);

function flat(g: Float64Array[]): number[] {
  return g.flatMap((x) => Array.from(x));
}

describe('time-stepped EventProp (fixed dt, arrivals on the grid, interpolated spike times)', () => {
  it('rounds arrival times up to the grid', () => {
    expect(onGrid(1.25, 0.5)).toBe(1.5);
    expect(onGrid(1.5, 0.5)).toBe(1.5);
    expect(onGrid(0, 0.1)).toBe(0);
  });

  it('its spike times and gradients approach the exact ones as dt shrinks', () => {
    const { layers, input } = checkNetwork(2, [3, 5, 2]);
    const exact = forwardPass(P, layers, input, 60);
    const exactGrads = eventPropBackward(P, layers, exact, ones(exact.layers.at(-1)!));
    const spikeCounts = (pass: { layers: LayerPass[] }) => pass.layers.map((l) => l.spikes.length);
    const errors: { dt: number; times: number; weights: number; delays: number }[] = [];
    for (const dt of [0.02, 0.005, 0.00125]) {
      const stepped = forwardPassStepped(P, layers, input, 60, dt);
      expect(spikeCounts(stepped), `dt ${dt}`).toEqual(spikeCounts(exact));
      const g = eventPropBackward(P, layers, stepped, ones(stepped.layers.at(-1)!));
      const timeError = Math.max(
        ...stepped.layers.flatMap((l, i) =>
          l.spikes.map((s, k) => Math.abs(s.time - exact.layers[i]!.spikes[k]!.time)),
        ),
      );
      const rel = (a: number[], b: number[]) => {
        const scale = Math.max(...b.map(Math.abs));
        return Math.max(...a.map((x, q) => Math.abs(x - b[q]!))) / scale;
      };
      errors.push({
        dt,
        times: timeError,
        weights: rel(flat(g.weights), flat(exactGrads.weights)),
        delays: rel(flat(g.delays), flat(exactGrads.delays)),
      });
    }
    const text = JSON.stringify(errors);
    // Each grid 4x finer is at least 2x closer (the error falls about linearly with dt: the reset
    // waits for the step's end, and the arrivals for the next step).
    for (let k = 1; k < errors.length; k++) {
      for (const what of ['times', 'weights', 'delays'] as const)
        expect(errors[k - 1]![what] / errors[k]![what], `${what}: ${text}`).toBeGreaterThan(2);
    }
    // This network fires in bursts (26 hidden and 53 output spikes in 60 ms), so its spike-time
    // errors add up.
    expect(errors.at(-1)!.times, text).toBeLessThan(0.2);
    expect(errors.at(-1)!.weights, text).toBeLessThan(0.03);
    expect(errors.at(-1)!.delays, text).toBeLessThan(0.01);
  });
});
