import { describe, expect, it } from 'vitest';
import { decodeShareLink, encodeShareLink } from '../shareLink.ts';
import { Trainer } from '../trainer.ts';
import {
  simulateTwoSpikes,
  TWO_SPIKES_INPUT_STEPS,
  TWO_SPIKES_TAU_SYN_MS,
  TWO_SPIKES_WEIGHT,
  twoSpikesConfig,
} from './twoSpikes.ts';

/** The SRM's synaptic response n steps after a spike arrives (1 ms steps): peak 1 at n = tau. */
function eps(n: number): number {
  const tau = TWO_SPIKES_TAU_SYN_MS;
  return n <= 0 ? 0 : (Math.E / tau) * n * Math.exp(-n / tau);
}

describe('Learn page 1: one neuron, two input spikes', () => {
  it('the membrane is the two delayed responses summed, by hand, until the neuron first fires', () => {
    for (const delays of [
      [0, 0],
      [3, 1],
      [0, 10],
    ] as [number, number][]) {
      const r = simulateTwoSpikes({ delays });
      expect(r.arrivals).toEqual([
        TWO_SPIKES_INPUT_STEPS[0] + delays[0],
        TWO_SPIKES_INPUT_STEPS[1] + delays[1],
      ]);
      const end = r.spikes[0] ?? r.membrane.length;
      for (let t = 0; t < end; t++) {
        const want = TWO_SPIKES_WEIGHT * (eps(t - r.arrivals[0]) + eps(t - r.arrivals[1]));
        expect(r.membrane[t]).toBeCloseTo(want, 12);
      }
    }
  });

  it('delaying the first spike makes the neuron fire; delaying the second keeps it silent', () => {
    const none = simulateTwoSpikes({ delays: [0, 0] });
    expect(none.spikes).toEqual([]);
    expect(none.peak.value).toBeLessThan(none.threshold);
    // Input A delayed by the 10 steps between the inputs: both arrive at step 15.
    const first = simulateTwoSpikes({ delays: [10, 0] });
    expect(first.arrivals).toEqual([15, 15]);
    expect(first.spikes[0]).toBe(19);
    expect(first.peak.value).toBeGreaterThanOrEqual(first.threshold);
    const second = simulateTwoSpikes({ delays: [0, 10] });
    expect(second.spikes).toEqual([]);
    expect(second.peak.value).toBeLessThan(none.peak.value);
  });

  it('is a whole playground experiment: a share link of it opens to the same network', () => {
    const config = twoSpikesConfig({ delays: [10, 3] });
    const opened = decodeShareLink(encodeShareLink(config));
    expect(opened.ignored).toEqual([]);
    expect(opened.config).toEqual(config);
    const trainer = new Trainer(opened.config, { precision: 'f64' });
    expect(Array.from(trainer.net.synapses[0]!.delays)).toEqual([10, 3]);
    expect(Array.from(trainer.net.synapses[0]!.weights)).toEqual([TWO_SPIKES_WEIGHT, TWO_SPIKES_WEIGHT]);
  });
});
