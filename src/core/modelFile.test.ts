import { describe, expect, it } from 'vitest';
import {
  applyModel,
  base64ToBytes,
  bytesToBase64,
  decodeModel,
  encodeModel,
  modelFromTrainer,
  ModelFormatError,
  ModelShapeError,
  type Model,
} from './modelFile.ts';
import { preset } from './presets.ts';
import { Trainer } from './trainer.ts';

/**
 * A patterns trainer after a few epochs: the network starts silent under the wide initial
 * kernel and its outputs only begin to differ between samples after about four epochs.
 */
function trainedPatterns(): Trainer {
  const trainer = new Trainer(preset('patterns')!);
  // Six epochs of training steps (no evaluation is needed here).
  for (let e = 0; e < 6; e++) for (const batch of trainer.drawEpochBatches()) trainer.trainStep(batch);
  return trainer;
}

function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let q = 0; q < a.length; q++) expect(Object.is(a[q], b[q]), `${what}[${q}]`).toBe(true);
}

/** The encoded model as a plain object to damage, and back to text. */
function edit(text: string, change: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(text) as Record<string, unknown>;
  change(file);
  return JSON.stringify(file);
}

function layer0(file: Record<string, unknown>): Record<string, unknown> {
  return (file['layers'] as Record<string, unknown>[])[0]!;
}

function decodeError(text: string): ModelFormatError {
  try {
    decodeModel(text, 'model.json');
  } catch (e) {
    if (e instanceof ModelFormatError) return e;
    throw e;
  }
  throw new Error('expected decodeModel to throw');
}

describe('model file', () => {
  const trainer = trainedPatterns();
  const metrics = {
    epoch: 1,
    trainLoss: 0.9,
    trainAccuracy: 0.5,
    validationAccuracy: null,
    testAccuracy: 0.4,
  };
  const model = modelFromTrainer(trainer, {
    dataset: null,
    metrics,
    savedAt: new Date(Date.UTC(2025, 0, 2)),
  });
  const text = encodeModel(model);

  it('round-trips config, metadata and every parameter bit for bit', () => {
    const back = decodeModel(text, 'model.json');
    expect(back.config).toEqual(trainer.config);
    expect(back.savedAt).toBe('2025-01-02T00:00:00.000Z');
    expect(back.dataset).toBeNull();
    expect(back.metrics).toEqual(metrics);
    expect(back.layers).toHaveLength(2);
    back.layers.forEach((l, i) => {
      const s = trainer.net.synapses[i]!;
      expect([l.fanIn, l.size]).toEqual([s.inputs, s.outputs]);
      expect(l.sigma).toBe(s.sigma);
      expectIdentical(l.weights, s.weights, `layer ${i} weights`);
      expectIdentical(l.delays, s.delays, `layer ${i} delays`);
    });
    const file = JSON.parse(text) as Record<string, unknown>;
    expect(file['format']).toBe('delaylab-model');
    expect(file['version']).toBe(1);
    expect(layer0(file)['dtype']).toBe('float64');
    // Exact values at about half the size of JSON number arrays.
    const asNumbers = JSON.stringify(Array.from(trainer.net.synapses[0]!.weights)).length;
    expect((layer0(file)['weights'] as string).length).toBeLessThan(0.7 * asNumbers);
  });

  it('a trainer with the imported parameters predicts exactly as the original', () => {
    const back = decodeModel(text, 'model.json');
    const fresh = new Trainer(back.config);
    applyModel(fresh, back);
    for (const split of [trainer.data.test, trainer.data.validation]) {
      expect(fresh.evaluate(split)).toEqual(trainer.evaluate(split));
    }
    // A trained network: outputs that tell samples apart, so equal results say something.
    expect(trainer.evaluate(trainer.data.test).loss).toBeLessThan(1.09);
    for (const sample of Array.from(trainer.data.test).slice(0, 10)) {
      const a = trainer.probe(sample);
      const b = fresh.probe(sample);
      expectIdentical(b.membrane, a.membrane, `sample ${sample} membrane`);
      expectIdentical(b.spikes, a.spikes, `sample ${sample} spikes`);
    }
    // The untrained trainer did differ, so the import is what made them equal.
    expect(new Trainer(back.config).evaluate(trainer.data.test)).not.toEqual(
      trainer.evaluate(trainer.data.test),
    );
  });

  it('carries the Gaussian kernel width, on which the toy (gauss, sigma schedule) depends', () => {
    const toy = new Trainer(preset('toy')!, { precision: 'f64' });
    for (let k = 0; k < 40; k++) toy.trainStep([0]);
    const back = decodeModel(encodeModel(modelFromTrainer(toy, { dataset: null })), 'toy.json');
    const fresh = new Trainer(back.config, { precision: 'f64' });
    expect(fresh.net.synapses[0]!.sigma).not.toBe(toy.net.synapses[0]!.sigma);
    applyModel(fresh, back);
    expect(fresh.net.synapses[0]!.sigma).toBe(toy.net.synapses[0]!.sigma);
    expect(fresh.firstSpikes()).toEqual(toy.firstSpikes());
    expectIdentical(fresh.probe(0).membrane, toy.probe(0).membrane, 'toy membrane');
    expect(fresh.quantisedFirstSpikes()).toEqual(toy.quantisedFirstSpikes());
  });

  it('refuses text that is not a Delay Lab model, naming the file', () => {
    expect(() => decodeModel('{"format": ', 'broken.json')).toThrow(
      /^broken\.json: is not a Delay Lab model: it is not valid JSON/,
    );
    expect(() => decodeModel('[1, 2]', 'list.json')).toThrow(/list\.json: .*expected a JSON object/);
    expect(() =>
      decodeModel(
        edit(text, (f) => (f['format'] = 'other')),
        'm.json',
      ),
    ).toThrow(/m\.json: is not a Delay Lab model: "format" is "other", expected "delaylab-model"/);
    expect(() =>
      decodeModel(
        edit(text, (f) => (f['format'] = 'delaylab-delay-table')),
        'm.json',
      ),
    ).toThrow(/delay table export/);
    expect(() => decodeModel(text, 'ok.json')).not.toThrow();
  });

  it('refuses a newer format version with a message saying so', () => {
    expect(() =>
      decodeModel(
        edit(text, (f) => (f['version'] = 2)),
        'future.json',
      ),
    ).toThrow(
      /future\.json: was made by a newer Delay Lab \(model format version 2; this version reads version 1\)/,
    );
    expect(() =>
      decodeModel(
        edit(text, (f) => (f['version'] = 'one')),
        'm.json',
      ),
    ).toThrow(/unknown model format version "one"/);
  });

  it('lists every problem of an invalid config', () => {
    const e = decodeError(
      edit(text, (f) => {
        const config = f['config'] as { seed: unknown; network: { dtMs: unknown } };
        config.seed = -1;
        config.network.dtMs = 'fast';
      }),
    );
    expect(e.problems).toHaveLength(2);
    expect(e.message).toMatch(/^model\.json is not a usable Delay Lab model:/);
    expect(e.message).toMatch(/invalid experiment config: config\.seed: must be >= 0, got -1/);
    expect(e.message).toMatch(/invalid experiment config: config\.network\.dtMs: expected a finite number/);
  });

  it('refuses parameter arrays whose length does not match the config', () => {
    const short = edit(text, (f) => {
      layer0(f)['weights'] = bytesToBase64(new Uint8Array(8 * 10));
    });
    expect(() => decodeModel(short, 'm.json')).toThrow(
      /layers\[0\]\.weights: holds 10 values \(80 bytes\) but the config needs 640 \(5120 bytes\)/,
    );
    const fewer = edit(text, (f) => (f['layers'] = [layer0(f)]));
    expect(() => decodeModel(fewer, 'm.json')).toThrow(/the file has 1 layers but its config describes 2/);
    const shape = edit(text, (f) => (layer0(f)['size'] = 33));
    expect(() => decodeModel(shape, 'm.json')).toThrow(
      /is 20 x 33 but the config needs 20 inputs x 32 neurons/,
    );
  });

  it('refuses bad base64, non-finite values and delays outside the kernel', () => {
    const bad = edit(text, (f) => {
      const d = layer0(f)['delays'] as string;
      layer0(f)['delays'] = `${d.slice(0, 8)}*${d.slice(9)}`;
    });
    expect(() => decodeModel(bad, 'm.json')).toThrow(
      /layers\[0\]\.delays: is not valid base64 \(unexpected character "\*" at position 8\)/,
    );
    const nan = edit(text, (f) => {
      const w = base64ToBytes(layer0(f)['weights'] as string) as Uint8Array;
      const view = new DataView(w.buffer);
      view.setFloat64(3 * 8, NaN, true);
      view.setFloat64(7 * 8, Infinity, true);
      layer0(f)['weights'] = bytesToBase64(w);
    });
    expect(() => decodeModel(nan, 'm.json')).toThrow(
      /layers\[0\]\.weights: 2 value\(s\) are not finite numbers \(first: \[3\] = NaN\)/,
    );
    const far = edit(text, (f) => {
      const d = base64ToBytes(layer0(f)['delays'] as string) as Uint8Array;
      new DataView(d.buffer).setFloat64(5 * 8, 14.5, true);
      layer0(f)['delays'] = bytesToBase64(d);
    });
    expect(() => decodeModel(far, 'm.json')).toThrow(
      /layers\[0\]\.delays\[5\]: 14\.5 lies outside \[0, kernel\.maxDelay - 1 = 14\] time steps/,
    );
  });

  it('applyModel refuses a model of another shape and leaves the trainer unchanged', () => {
    const other = preset('patterns')!;
    other.network.layers[0]!.size = 16;
    const target = new Trainer(other);
    const before = Float64Array.from(target.net.synapses[0]!.weights);
    expect(() => applyModel(target, decodeModel(text, 'm.json'))).toThrow(ModelShapeError);
    expect(() => applyModel(target, decodeModel(text, 'm.json'))).toThrow(
      /the model's network \(20-32-3 neurons\) does not match this experiment's \(20-16-3\)/,
    );
    expectIdentical(target.net.synapses[0]!.weights, before, 'weights');
  });

  it('encodeModel refuses parameters that could not be read back', () => {
    const broken: Model = {
      ...model,
      layers: model.layers.map((l) => ({ ...l, weights: l.weights.slice() })),
    };
    broken.layers[1]!.weights[0] = NaN;
    expect(() => encodeModel(broken)).toThrow(/layer 1 weights\[0\] is NaN/);
  });

  it('base64 matches the standard encoding for every tail length', () => {
    for (let n = 0; n < 12; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, q) => (q * 97 + 251) & 255);
      const encoded = bytesToBase64(bytes);
      expect(encoded).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(encoded)).toEqual(bytes);
    }
    expect(base64ToBytes('QUJD=')).toMatch(/not a multiple of 4/);
    expect(base64ToBytes('QU=D')).toMatch(/unexpected character "=" at position 2/);
  });
});
