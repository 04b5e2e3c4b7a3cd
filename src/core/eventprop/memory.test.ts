import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import { Trainer } from '../trainer.ts';
import { forwardPass } from './exactLif.ts';
import { checkNetwork } from './gradcheck.ts';
import { eventStateBytes } from './memory.ts';

describe('bytes held per sample between the passes', () => {
  it("BPTT: the input and each layer's current, membrane and spikes at every step (float32)", () => {
    const config = preset('patterns')!;
    const trainer = new Trainer(config);
    const { timeSteps: T, inputs, layers } = config.network;
    const expected = 4 * (T * inputs + layers.reduce((sum, l) => sum + 3 * T * l.size, 0));
    expect(trainer.heldBytesPerSample(trainer.data.train[0]!)).toBe(expected);
  });

  it('EventProp: the spikes of every layer and the largest arrival list, counted from the pass', () => {
    const { layers, input } = checkNetwork(2, [3, 5, 2]);
    const pass = forwardPass({ tauMem: 20, tauSyn: 5, threshold: 1 }, layers, input, 60);
    const [hidden, output] = pass.layers.map((l) => l.spikes.length) as [number, number];
    expect(hidden).toBeGreaterThan(0);
    // 6 input spikes reach every hidden neuron; the hidden spikes reach every output.
    expect(eventStateBytes(pass)).toBe(12 * 6 + 20 * (hidden + output) + 24 * Math.max(6, hidden));
  });

  it("on the same network, EventProp's state is a small fraction of BPTT's activations", () => {
    const config = preset('eventprop-yinyang')!;
    const eventprop = new Trainer(config);
    const bptt = new Trainer({ ...config, training: { ...config.training, method: 'bptt' } });
    const sample = eventprop.data.train[0]!;
    expect(eventprop.heldBytesPerSample(sample) * 20).toBeLessThan(bptt.heldBytesPerSample(sample));
  });
});
