import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../core/experiment.ts';
import { preset } from '../../core/presets.ts';
import { twoSpikesConfig } from '../../core/teaching/twoSpikes.ts';
import {
  defaultEncoder,
  hiddenSizesText,
  parseSizes,
  setHiddenSizes,
  setEventPropLoss,
  setNeuronModel,
  setStorage,
  setTrainedParameters,
  setTrainingMethod,
  setWeightInitKind,
  storageOf,
  trainedParameters,
} from './edits.ts';
import { decodeShareLink, encodeShareLink } from '../../core/shareLink.ts';

describe('experiment edits', () => {
  it("storage: 'compact' on every layer travels in a share link; 'auto' is the field left out", () => {
    const c = preset('yinyang-rewired')!;
    expect(storageOf(c)).toBe('auto');
    setStorage(c, 'compact');
    expect(c.network.layers.map((l) => l.storage)).toEqual(['compact', 'compact']);
    const opened = decodeShareLink(encodeShareLink(c));
    expect(opened.ignored).toEqual([]);
    expect(storageOf(opened.config)).toBe('compact');
    setStorage(c, 'auto');
    expect(c.network.layers.every((l) => !('storage' in l))).toBe(true);
    expect(validateExperiment(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('hidden sizes: parse, add and remove layers; the output layer stays', () => {
    expect(parseSizes('128, 64')).toEqual([128, 64]);
    expect(parseSizes('')).toEqual([]);
    expect(parseSizes('12x')).toBeNull();
    expect(parseSizes('0')).toBeNull();
    const c = preset('mnist-small')!;
    const output = structuredClone(c.network.layers.at(-1)!);
    setHiddenSizes(c, [64, 32]);
    expect(hiddenSizesText(c)).toBe('64, 32');
    expect(c.network.layers.at(-1)).toEqual(output);
    expect(() => validateExperiment(c)).not.toThrow();
    setHiddenSizes(c, []);
    expect(c.network.layers).toHaveLength(1);
    expect(() => validateExperiment(c)).not.toThrow();
  });

  it('per-synapse delays (a Learn setup) give way to a uniform draw when the shape changes, and only then', () => {
    const c = twoSpikesConfig({ delays: [10, 3] }); // 2 inputs -> 1 output, Td 20
    setHiddenSizes(c, []);
    expect(c.network.layers[0]!.delayInit).toEqual({ kind: 'values', values: [10, 3] });
    setHiddenSizes(c, [4]);
    // Both layers changed shape (2 x 4 and 4 x 1 synapses): both draw their delays now.
    expect(c.network.layers.map((l) => l.delayInit)).toEqual([
      { kind: 'uniform', low: 0, high: 19 },
      { kind: 'uniform', low: 0, high: 19 },
    ]);
    expect(() => validateExperiment(c)).not.toThrow();
  });

  it('what trains: delays only, weights only, both', () => {
    const c = preset('delay-only-mnist')!;
    expect(trainedParameters(c)).toBe('delays');
    setTrainedParameters(c, 'weights');
    expect(c.network.layers.every((l) => l.trainWeights && !l.trainDelays)).toBe(true);
    setTrainedParameters(c, 'both');
    expect(trainedParameters(c)).toBe('both');
  });

  it('neuron model switch keeps threshold and gives a valid config', () => {
    const c = preset('mnist-small')!;
    const threshold = c.network.layers[0]!.neuron.threshold;
    setNeuronModel(c, 'srm');
    expect(c.network.layers[0]!.neuron).toMatchObject({ model: 'srm', threshold });
    expect(() => validateExperiment(c)).not.toThrow();
  });

  it('ternary <-> normal keeps each layer’s mean, std and scale', () => {
    const c = preset('delay-only-fashion')!;
    const before = c.network.layers.map((l) => l.weightInit);
    setWeightInitKind(c, 'ternary');
    c.network.layers.forEach((l, i) => expect(l.weightInit).toEqual({ ...before[i]!, kind: 'ternary' }));
  });

  it('every encoder default is valid for the network it is made for', () => {
    for (const kind of ['threshold', 'latency', 'rate', 'intensityBins'] as const) {
      const c = preset('mnist-small')!;
      if (c.task.kind !== 'images') throw new Error('mnist-small is an image task');
      c.task.encoder = defaultEncoder(kind, c.network.timeSteps);
      expect(() => validateExperiment(c), kind).not.toThrow();
    }
  });

  it('switching patterns (LIF, a non-spiking readout) to EventProp gives a valid config with the voltage loss', () => {
    const c = preset('patterns')!;
    setTrainingMethod(c, 'eventprop');
    expect(c.eventprop).toEqual({ tauSynMs: 5, simulation: 'exact', loss: { kind: 'voltageSum' } });
    expect(validateExperiment(c).training.method).toBe('eventprop');
    // The first-spike loss needs a spiking output: the edit switches the layer with it.
    setEventPropLoss(c, 'firstSpike');
    expect(c.network.layers.at(-1)!.neuron.spiking).toBe(true);
    expect(() => validateExperiment(c)).not.toThrow();
    setEventPropLoss(c, 'voltageMax');
    expect(c.network.layers.at(-1)!.neuron.spiking).toBe(false);
    expect(() => validateExperiment(c)).not.toThrow();
    // Back to BPTT keeps the section (unused) so a second switch restores it.
    setTrainingMethod(c, 'bptt');
    expect(c.eventprop?.loss.kind).toBe('voltageMax');
    expect(validateExperiment(c).training.method).toBe('bptt');
  });
});
