import { describe, expect, it } from 'vitest';
import { firstSpikeClass, firstSpikeLoss } from './firstSpikeLoss.ts';

describe('first-spike-time loss', () => {
  it('its spike-time gradient matches finite differences; a neuron that did not spike gets none', () => {
    const times = [12.5, 9.75, null, 14];
    const { grads } = firstSpikeLoss(times, 0, 40);
    for (const k of [0, 1, 3]) {
      const h = 1e-6;
      const at = (d: number) =>
        firstSpikeLoss(
          times.map((t, j) => (j === k && t !== null ? t + d : t)),
          0,
          40,
        ).loss;
      expect(grads[k]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 6);
    }
    expect(grads[2]).toBe(0);
    // An earlier right answer lowers the loss.
    expect(firstSpikeLoss([8, 9.75, null, 14], 0, 40).loss).toBeLessThan(firstSpikeLoss(times, 0, 40).loss);
  });

  it('predicts the output that spiked first, -1 when none did', () => {
    expect(firstSpikeClass([12, 9, null])).toBe(1);
    expect(firstSpikeClass([null, null])).toBe(-1);
  });
});
