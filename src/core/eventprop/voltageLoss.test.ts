import { describe, expect, it } from 'vitest';
import { eventPropBackward } from './adjoint.ts';
import { forwardPass } from './exactLif.ts';
import { checkNetwork } from './gradcheck.ts';
import { meanMembraneLoss } from './voltageLoss.ts';

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
          pass.layers.at(-1)!.neurons.map((n) => n.trace.integral!),
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
});
