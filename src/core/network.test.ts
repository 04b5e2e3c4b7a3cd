import { describe, expect, it } from 'vitest';
import { preset } from './presets.ts';
import { activeSynapseCount, Network, randomMask } from './network.ts';
import { Rng } from './rng.ts';

describe('connectivity masks', () => {
  it('keep exactly round(connectivity x possible) synapses, at least one', () => {
    expect(activeSynapseCount(320, 0.0625)).toBe(20);
    expect(activeSynapseCount(192, 0.125)).toBe(24);
    expect(activeSynapseCount(3, 0.1)).toBe(1);
    expect(activeSynapseCount(10, 0.999)).toBe(10);
    for (const active of [0, 1, 37, 100]) {
      const mask = randomMask(100, active, new Rng(active));
      expect(mask.reduce((a, b) => a + b, 0)).toBe(active);
    }
  });

  it('choose every synapse about equally often, and the same ones for the same seed', () => {
    const hits = new Float64Array(40);
    const draws = 4000;
    const rng = new Rng(5);
    for (let k = 0; k < draws; k++) randomMask(40, 10, rng).forEach((m, q) => (hits[q]! += m));
    // Each synapse is in a quarter of the masks: 1000 of 4000, sd about 27.
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(150);
    expect(Array.from(randomMask(40, 10, new Rng(9)))).toEqual(Array.from(randomMask(40, 10, new Rng(9))));
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
