import { describe, expect, it } from 'vitest';
import type { DelayInit } from '../experiment.ts';
import { Rng } from '../rng.ts';
import {
  activeCount,
  birthDelay,
  LayerRewiring,
  type CompactRewiredLayer,
  type RewiredLayer,
  type RewiringConfig,
} from './rewiring.ts';

const INPUTS = 12;
const OUTPUTS = 10;
const INIT: DelayInit = { kind: 'uniform', low: 0, high: 5 };

/** A layer with 25 % of its synapses active, random weights, and gradients of every synapse. */
function layer(
  seed: number,
): RewiredLayer & { weights: Float64Array; delays: Float64Array; gradWeights: Float64Array } {
  const rng = new Rng(seed);
  const n = INPUTS * OUTPUTS;
  const mask = Uint8Array.from({ length: n }, () => (rng.uniform() < 0.25 ? 1 : 0));
  const weights = Float64Array.from(mask, (m) => (m ? rng.normal(0, 1) : 0));
  return {
    inputs: INPUTS,
    outputs: OUTPUTS,
    weights,
    delays: Float64Array.from({ length: n }, () => 5 * rng.uniform()),
    gradWeights: Float64Array.from({ length: n }, () => rng.normal(0, 1)),
    mask,
  };
}

/** The same layer stored compactly: its active synapses' entries, and every synapse's gradient. */
function compactOf(l: ReturnType<typeof layer>): CompactRewiredLayer & {
  weights: Float64Array;
  delays: Float64Array;
} {
  const synapses = Int32Array.from(Array.from(l.mask.keys()).filter((q) => l.mask[q]));
  return {
    inputs: INPUTS,
    outputs: OUTPUTS,
    synapses,
    weights: Float64Array.from(synapses, (q) => l.weights[q]!),
    delays: Float64Array.from(synapses, (q) => l.delays[q]!),
    dormantGradients: l.gradWeights,
  };
}

const config = (over: Partial<RewiringConfig> = {}): RewiringConfig => ({
  regrowth: 'random',
  dale: false,
  l1: 0,
  temperature: 0,
  ...over,
});

const none = (): void => undefined;

describe('DEEP R / RigL rewiring', () => {
  for (const regrowth of ['random', 'gradient'] as const) {
    it(`${regrowth} regrowth keeps exactly the starting number of active synapses after every step`, () => {
      const l = layer(1);
      const target = activeCount(l.mask);
      const rewiring = LayerRewiring.create(
        config({ regrowth, l1: 2, temperature: 0.5 }),
        l,
        INIT,
        new Rng(2),
      );
      const rng = new Rng(3);
      let pruned = 0;
      for (let step = 0; step < 200; step++) {
        // An optimiser's step: every active weight moves a little.
        for (let q = 0; q < l.weights.length; q++) if (l.mask[q]) l.weights[q]! += 0.05 * rng.normal(0, 1);
        for (let q = 0; q < l.gradWeights.length; q++) l.gradWeights[q] = rng.normal(0, 1);
        const events = rewiring.step(l, 0.05, none, none);
        expect(activeCount(l.mask)).toBe(target);
        expect(events.active).toBe(target);
        expect(events.regrown).toBe(events.pruned);
        pruned += events.pruned;
        // Dormant synapses hold weight 0 and sit at their birth delay; active ones have their sign.
        for (let q = 0; q < l.mask.length; q++) {
          if (!l.mask[q]) {
            expect(l.weights[q]).toBe(0);
            expect(l.delays[q]).toBe(rewiring.birthDelay(q));
          } else expect(l.weights[q]! * rewiring.signOf(q)).toBeGreaterThanOrEqual(0);
        }
      }
      expect(pruned, 'the shrink and the noise prune synapses').toBeGreaterThan(50);
    });
  }

  it('signs and birth delays are fixed per synapse, about half of each sign, delays from the initialisation', () => {
    const rewiring = LayerRewiring.create(config(), layer(11), INIT, new Rng(12));
    const n = INPUTS * OUTPUTS;
    let positive = 0;
    for (let q = 0; q < n; q++) {
      expect(rewiring.signOf(q)).toBe(rewiring.signOf(q));
      positive += rewiring.signOf(q) > 0 ? 1 : 0;
      const d = rewiring.birthDelay(q);
      expect(d).toBe(birthDelay(INIT, rewiring.seed, q));
      expect(d >= 0 && d < 5).toBe(true);
    }
    expect(Math.abs(positive - n / 2)).toBeLessThan(25);
    // Another seed, other signs.
    const other = LayerRewiring.create(config(), layer(11), INIT, new Rng(13));
    expect(Array.from({ length: n }, (_, q) => other.signOf(q))).not.toEqual(
      Array.from({ length: n }, (_, q) => rewiring.signOf(q)),
    );
  });

  it("under Dale's law every active synapse of a presynaptic neuron has its sign, step after step", () => {
    const l = layer(4);
    const rewiring = LayerRewiring.create(
      config({ dale: true, l1: 1, temperature: 0.3 }),
      l,
      INIT,
      new Rng(5),
    );
    const rng = new Rng(6);
    for (let step = 0; step < 100; step++) {
      for (let q = 0; q < l.weights.length; q++) if (l.mask[q]) l.weights[q]! += 0.1 * rng.normal(0, 1);
      rewiring.step(l, 0.05, none, none);
      for (let i = 0; i < INPUTS; i++) {
        const row = Array.from(l.weights.subarray(i * OUTPUTS, (i + 1) * OUTPUTS)).filter((w) => w !== 0);
        expect(row.every((w) => Math.sign(w) === rewiring.signOf(i * OUTPUTS))).toBe(true);
      }
      for (let q = 0; q < l.mask.length; q++)
        expect(rewiring.signOf(q)).toBe(rewiring.signOf(Math.floor(q / OUTPUTS) * OUTPUTS));
    }
  });

  it('RigL regrows exactly the k dormant synapses with the largest |gradient|, at weight 0 and their birth delay', () => {
    const l = layer(7);
    const rewiring = LayerRewiring.create(config({ regrowth: 'gradient' }), l, INIT, new Rng(8));
    // Three active synapses cross zero (their weight's sign flips): k = 3.
    const active = Array.from(l.mask.keys()).filter((q) => l.mask[q]);
    const crossing = active.slice(0, 3);
    for (const q of crossing) l.weights[q] = -0.1 * rewiring.signOf(q);
    const dormantBefore = Array.from(l.mask.keys()).filter((q) => !l.mask[q]);
    const expected = [...dormantBefore, ...crossing]
      .sort((a, b) => Math.abs(l.gradWeights[b]!) - Math.abs(l.gradWeights[a]!))
      .slice(0, 3)
      .sort((a, b) => a - b);
    const prunedNow: number[] = [];
    const cleared: number[] = [];
    const events = rewiring.step(
      l,
      0.01,
      (q) => prunedNow.push(q),
      (q) => cleared.push(q),
    );
    expect(events).toEqual({ pruned: 3, regrown: 3, active: active.length });
    expect(prunedNow).toEqual(crossing);
    expect(cleared.sort((a, b) => a - b)).toEqual(expected);
    for (const q of expected) {
      expect(l.mask[q]).toBe(1);
      expect(l.weights[q]).toBe(0);
      expect(l.delays[q]).toBe(rewiring.birthDelay(q));
    }
  });

  for (const regrowth of ['random', 'gradient'] as const) {
    it(`a compact layer rewires exactly as the dense one does (${regrowth}), its entries kept ascending`, () => {
      const dense = layer(21);
      const rewiringDense = LayerRewiring.create(
        config({ regrowth, l1: 1.5, temperature: 0.2 }),
        dense,
        INIT,
        new Rng(22),
      );
      const compact = compactOf(dense);
      const rewiringCompact = new LayerRewiring(
        rewiringDense.config,
        INPUTS,
        OUTPUTS,
        rewiringDense.seed,
        INIT,
        rewiringDense.rngState(),
      );
      const rng = new Rng(23);
      let regrown = 0;
      for (let step = 0; step < 60; step++) {
        for (let q = 0; q < dense.weights.length; q++) {
          const move = 0.05 * rng.normal(0, 1);
          if (dense.mask[q]) dense.weights[q]! += move;
          dense.gradWeights[q] = rng.normal(0, 1);
        }
        // The same moves on the compact entries.
        compact.synapses.forEach((q, e) => (compact.weights[e] = dense.weights[q]!));
        const a = rewiringDense.step(dense, 0.05, none, none);
        const order: number[][] = [];
        const b = rewiringCompact.stepCompact(compact, 0.05, none, (o) => order.push(Array.from(o)));
        expect(b).toEqual(a);
        regrown += a.regrown;
        expect(Array.from(compact.synapses)).toEqual(
          Array.from(dense.mask.keys()).filter((q) => dense.mask[q]),
        );
        compact.synapses.forEach((q, e) => {
          expect(compact.weights[e]).toBe(dense.weights[q]);
          expect(compact.delays[e]).toBe(dense.delays[q]);
        });
        if (a.regrown > 0) expect(order).toHaveLength(1);
      }
      expect(regrown).toBeGreaterThan(20);
    });
  }

  it('random regrowth draws from the dormant synapses; the same seed and state rewire the same way', () => {
    const runOnce = () => {
      const l = layer(9);
      const rewiring = LayerRewiring.create(config({ l1: 3 }), l, INIT, new Rng(10));
      for (let step = 0; step < 20; step++) rewiring.step(l, 0.1, none, none);
      return { mask: Array.from(l.mask), state: rewiring.rngState() };
    };
    const a = runOnce();
    expect(runOnce()).toEqual(a);
    expect(() => new LayerRewiring(config(), 2, 2, 0, INIT, new Rng(1).state(), new Int8Array(3))).toThrow(
      /3 signs for 2 x 2/,
    );
  });
});
