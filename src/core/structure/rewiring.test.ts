import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { activeCount, LayerRewiring, type RewiredLayer, type RewiringConfig } from './rewiring.ts';

const INPUTS = 12;
const OUTPUTS = 10;

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

const config = (over: Partial<RewiringConfig> = {}): RewiringConfig => ({
  regrowth: 'random',
  dale: false,
  l1: 0,
  temperature: 0,
  ...over,
});

describe('DEEP R / RigL rewiring', () => {
  for (const regrowth of ['random', 'gradient'] as const) {
    it(`${regrowth} regrowth keeps exactly the starting number of active synapses after every step`, () => {
      const l = layer(1);
      const target = activeCount(l.mask);
      const rewiring = LayerRewiring.create(config({ regrowth, l1: 2, temperature: 0.5 }), l, new Rng(2));
      const rng = new Rng(3);
      let pruned = 0;
      for (let step = 0; step < 200; step++) {
        // An optimiser's step: every active weight moves a little.
        for (let q = 0; q < l.weights.length; q++) if (l.mask[q]) l.weights[q]! += 0.05 * rng.normal(0, 1);
        for (let q = 0; q < l.gradWeights.length; q++) l.gradWeights[q] = rng.normal(0, 1);
        const events = rewiring.step(
          l,
          0.05,
          () => 1.5,
          () => undefined,
        );
        expect(activeCount(l.mask)).toBe(target);
        expect(events.active).toBe(target);
        expect(events.regrown).toBe(events.pruned);
        pruned += events.pruned;
        // Dormant synapses hold weight 0; active ones the sign they were created with.
        for (let q = 0; q < l.mask.length; q++) {
          if (!l.mask[q]) expect(l.weights[q]).toBe(0);
          else expect(l.weights[q]! * rewiring.signs[q]!).toBeGreaterThanOrEqual(0);
        }
      }
      expect(pruned, 'the shrink and the noise prune synapses').toBeGreaterThan(50);
    });
  }

  it("under Dale's law every active synapse of a presynaptic neuron has its sign, step after step", () => {
    const l = layer(4);
    const rewiring = LayerRewiring.create(config({ dale: true, l1: 1, temperature: 0.3 }), l, new Rng(5));
    const rng = new Rng(6);
    for (let step = 0; step < 100; step++) {
      for (let q = 0; q < l.weights.length; q++) if (l.mask[q]) l.weights[q]! += 0.1 * rng.normal(0, 1);
      rewiring.step(
        l,
        0.05,
        () => 0,
        () => undefined,
      );
      for (let i = 0; i < INPUTS; i++) {
        const row = Array.from(l.weights.subarray(i * OUTPUTS, (i + 1) * OUTPUTS)).filter((w) => w !== 0);
        expect(row.every((w) => Math.sign(w) === rewiring.signs[i * OUTPUTS]!)).toBe(true);
      }
      for (let q = 0; q < l.mask.length; q++)
        expect(rewiring.signs[q]).toBe(rewiring.signs[Math.floor(q / OUTPUTS) * OUTPUTS]);
    }
  });

  it('RigL regrows exactly the k dormant synapses with the largest |gradient|, at weight 0 with a new delay', () => {
    const l = layer(7);
    const rewiring = LayerRewiring.create(config({ regrowth: 'gradient' }), l, new Rng(8));
    // Three active synapses cross zero (their weight's sign flips): k = 3.
    const active = Array.from(l.mask.keys()).filter((q) => l.mask[q]);
    const crossing = active.slice(0, 3);
    for (const q of crossing) l.weights[q] = -0.1 * rewiring.signs[q]!;
    const dormantBefore = Array.from(l.mask.keys()).filter((q) => !l.mask[q]);
    const expected = [...dormantBefore, ...crossing]
      .sort((a, b) => Math.abs(l.gradWeights[b]!) - Math.abs(l.gradWeights[a]!))
      .slice(0, 3)
      .sort((a, b) => a - b);
    const cleared: number[] = [];
    const events = rewiring.step(
      l,
      0.01,
      () => 2.25,
      (q) => cleared.push(q),
    );
    expect(events).toEqual({ pruned: 3, regrown: 3, active: active.length });
    expect(cleared.sort((a, b) => a - b)).toEqual(expected);
    for (const q of expected) {
      expect(l.mask[q]).toBe(1);
      expect(l.weights[q]).toBe(0);
      expect(l.delays[q]).toBe(2.25);
    }
  });

  it('random regrowth draws from the dormant synapses; the same seed and state rewire the same way', () => {
    const runOnce = () => {
      const l = layer(9);
      const rewiring = LayerRewiring.create(config({ l1: 3 }), l, new Rng(10));
      for (let step = 0; step < 20; step++)
        rewiring.step(
          l,
          0.1,
          (rng) => rng.uniform(),
          () => undefined,
        );
      return { mask: Array.from(l.mask), state: rewiring.rngState() };
    };
    const a = runOnce();
    expect(runOnce()).toEqual(a);
    expect(() => new LayerRewiring(config(), 2, 2, new Int8Array(3), new Rng(1).state())).toThrow(
      /3 signs for 2 x 2/,
    );
  });
});
