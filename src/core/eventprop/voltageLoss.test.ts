import { describe, expect, it } from 'vitest';
import { eventPropBackward } from './adjoint.ts';
import { forwardPass } from './exactLif.ts';
import { checkNetwork } from './gradcheck.ts';
import { maxMembraneLoss, meanMembraneLoss } from './voltageLoss.ts';
import { arrivalTimes, readoutMax } from './exactLif.ts';

describe('mean-membrane cross-entropy over a readout', () => {
  it('its gradient with respect to the integrals matches finite differences; the largest mean wins', () => {
    const integrals = [12, -4, 30];
    const { integralGrads, predicted } = meanMembraneLoss(integrals, 1, 40);
    expect(predicted).toBe(2);
    for (let k = 0; k < 3; k++) {
      const h = 1e-5;
      const at = (d: number) =>
        meanMembraneLoss(
          integrals.map((x, j) => (j === k ? x + d : x)),
          1,
          40,
        ).loss;
      expect(integralGrads[k]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 8);
    }
  });

  it('through EventProp: a weight step along the gradient lowers the loss of a 3-5-2 network with a readout', () => {
    const { layers, input } = checkNetwork(3, [3, 5, 2]);
    const P = { tauMem: 20, tauSyn: 5, threshold: 1 };
    const lossOf = () => {
      const pass = forwardPass(P, layers, input, 60, true);
      return {
        pass,
        ...meanMembraneLoss(
          pass.layers.at(-1)!.traces.map((n) => n.integral!),
          0,
          60,
        ),
      };
    };
    const before = lossOf();
    const g = eventPropBackward(P, layers, before.pass, [], {
      integralGrads: before.integralGrads,
      duration: 60,
    });
    const step = 1e-3;
    layers.forEach((layer, l) => {
      const w = layer.weights as Float64Array;
      for (let q = 0; q < w.length; q++) w[q]! -= step * g.weights[l]![q]!;
    });
    expect(lossOf().loss).toBeLessThan(before.loss);
  });

  it('max-membrane cross-entropy: its gradient matches finite differences; the highest maximum wins', () => {
    const maxima = [0.4, 1.7, -0.2];
    const { maxGrads, predicted, loss } = maxMembraneLoss(maxima, 0);
    expect(predicted).toBe(1);
    expect(loss).toBeCloseTo(-Math.log(Math.exp(0.4) / (Math.exp(0.4) + Math.exp(1.7) + Math.exp(-0.2))), 12);
    for (let k = 0; k < 3; k++) {
      const h = 1e-5;
      const at = (d: number) =>
        maxMembraneLoss(
          maxima.map((x, j) => (j === k ? x + d : x)),
          0,
        ).loss;
      expect(maxGrads[k]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 8);
    }
  });

  it("a readout's maximum matches a fine grid of the closed form, and is 0 at t = 0 when V only falls", () => {
    const P = { tauMem: 20, tauSyn: 5, threshold: 1 };
    const arrivals = [
      { time: 3, jump: 2 },
      { time: 9.5, jump: -1.5 },
      { time: 20, jump: 1.2 },
    ];
    const { value, time } = readoutMax(P, arrivalTimes(arrivals), 40);
    // Euler on a 1e-4 ms grid: the peak agrees to the grid's error.
    let v = 0;
    let i = 0;
    let k = 0;
    let best = 0;
    let at = 0;
    const dt = 1e-4;
    for (let n = 0; n * dt < 40; n++) {
      while (k < arrivals.length && arrivals[k]!.time <= n * dt) i += arrivals[k++]!.jump;
      if (v > best) {
        best = v;
        at = n * dt;
      }
      v += (dt * (-v + i)) / P.tauMem;
      i -= (dt * i) / P.tauSyn;
    }
    expect(Math.abs(value - best)).toBeLessThan(1e-4);
    expect(Math.abs(time - at)).toBeLessThan(0.05);
    expect(readoutMax(P, arrivalTimes([{ time: 2, jump: -1 }]), 40)).toEqual({ value: 0, time: 0 });
  });
});
