import { describe, expect, it } from 'vitest';
import { checkNetwork, eventPropGradcheck } from './gradcheck.ts';
import { forwardPass } from './exactLif.ts';

describe('EventProp gradients (exact, event-based) against finite differences', () => {
  for (const [name, seed, sizes, least] of [
    ['one layer', 1, [4, 3], 6],
    ['two layers: hidden spikes move with the first layer, the outputs with them', 2, [3, 5, 2], 12],
    ['three layers, neurons spiking several times', 5, [3, 4, 4, 2], 18],
  ] as const) {
    it(`${name}: weights and delays agree below 1e-6`, () => {
      for (const check of eventPropGradcheck(seed, sizes)) {
        expect(check.gradScale, `${check.param}: the gradients are not all zero`).toBeGreaterThan(0.01);
        expect(check.compared, check.param).toBeGreaterThanOrEqual(least);
        expect(check.skipped, check.param).toBeLessThan(check.compared / 4);
        expect(check.maxRelError, check.param).toBeLessThan(1e-6);
      }
    });
  }

  for (const output of ['integral', 'max'] as const) {
    it(`a non-spiking readout (loss on the ${output} of its V): weights and delays agree below 1e-6`, () => {
      for (const sizes of [
        [4, 3],
        [3, 5, 2],
      ]) {
        for (const check of eventPropGradcheck(3, sizes, output)) {
          expect(check.gradScale, `${sizes} ${check.param}`).toBeGreaterThan(0.01);
          expect(check.compared, `${sizes} ${check.param}`).toBeGreaterThanOrEqual(6);
          expect(check.maxRelError, `${sizes} ${check.param}`).toBeLessThan(1e-6);
        }
      }
    });
  }

  it('the three-layer check has neurons that spike several times', () => {
    const { layers, input } = checkNetwork(5, [3, 4, 4, 2]);
    const counts = forwardPass({ tauMem: 20, tauSyn: 5, threshold: 1 }, layers, input, 60).layers.flatMap(
      (l) => l.traces.map((n) => n.spikes.length),
    );
    expect(Math.max(...counts)).toBeGreaterThan(1);
  });
});
