import { describe, expect, it } from 'vitest';
import { preset } from './presets.ts';
import { activeSynapseCount, Network, randomSynapses } from './network.ts';
import { Rng } from './rng.ts';

describe('connectivity masks', () => {
  it('keep exactly round(connectivity x possible) synapses, at least one', () => {
    expect(activeSynapseCount(320, 0.0625)).toBe(20);
    expect(activeSynapseCount(192, 0.125)).toBe(24);
    expect(activeSynapseCount(3, 0.1)).toBe(1);
    expect(activeSynapseCount(10, 0.999)).toBe(10);
    for (const active of [0, 1, 37, 100])
      expect(randomSynapses(100, active, new Rng(active)).length).toBe(active);
  });

  it("draw a fixed layer's synapses directly: exactly the count, ascending, uniform, seeded, O(count) memory", () => {
    const hits = new Float64Array(40);
    const rng = new Rng(5);
    for (let k = 0; k < 4000; k++) {
      const chosen = randomSynapses(40, 10, rng);
      expect(chosen.length).toBe(10);
      chosen.forEach((q, e) => {
        expect(q >= 0 && q < 40 && (e === 0 || q > chosen[e - 1]!)).toBe(true);
        hits[q]!++;
      });
    }
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(150);
    expect(Array.from(randomSynapses(40, 10, new Rng(9)))).toEqual(
      Array.from(randomSynapses(40, 10, new Rng(9))),
    );
    expect(Array.from(randomSynapses(5, 5, new Rng(1)))).toEqual([0, 1, 2, 3, 4]);
    // A billion possible synapses: a thousand chosen without touching the rest.
    const before = process.memoryUsage().rss;
    const huge = randomSynapses(1e9, 1000, new Rng(2));
    expect(new Set(huge).size).toBe(1000);
    expect(huge[999]).toBeLessThan(1e9);
    expect(process.memoryUsage().rss - before).toBeLessThan(50e6);
  });

  it('give each layer of a network its configured share of synapses exactly', () => {
    const config = preset('yinyang-rewired')!;
    const net = new Network(config.network, 'f64');
    net.initialise(new Rng(3));
    expect(net.synapses.map((s) => s.mask!.reduce((a, b) => a + b, 0))).toEqual([80, 48]);
    // The weights of the synapses left out are 0.
    for (const s of net.synapses) s.mask!.forEach((m, q) => m === 0 && expect(s.weights[q]).toBe(0));
  });
});
