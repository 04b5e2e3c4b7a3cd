import { describe, expect, it } from 'vitest';
import { spikeMarksPath } from './spikeRaster.ts';

describe('spikeMarksPath', () => {
  it('draws one rectangle per spike, centred in its time step and neuron row', () => {
    // 2 steps x 2 neurons on a 100 x 40 panel: steps 50 wide, rows 20 tall, marks 4 x 4.
    const spikes = [0, 1, 1, 0]; // step 0: neuron 1; step 1: neuron 0
    const { path, count } = spikeMarksPath(spikes, { width: 100, height: 40, timeSteps: 2, neurons: 2 });
    expect(count).toBe(2);
    // neuron 1 (upper row, 0 at the bottom) at step 0; neuron 0 at step 1.
    expect(path).toBe('M23,8h4v4h-4ZM73,28h4v4h-4Z');
  });

  it('keeps marks visible for many neurons and is empty without spikes', () => {
    const geometry = { width: 582, height: 130, timeSteps: 10, neurons: 784 };
    const spikes = new Uint8Array(10 * 784);
    expect(spikeMarksPath(spikes, geometry)).toEqual({ path: '', count: 0 });
    spikes[5 * 784 + 783] = 1;
    const { path, count } = spikeMarksPath(spikes, geometry);
    expect(count).toBe(1);
    expect(path).toMatch(/v1h/); // at least one unit tall although a row is 0.17 units
  });
});
