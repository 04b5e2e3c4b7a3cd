import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import { Rng } from '../rng.ts';
import { initialParameters } from '../trainer.ts';
import { compareTrainedUntrained, fieldProblem, outputFieldMoransI } from './fieldStatistics.ts';
import { moransI } from './moransI.ts';
import { fullDelaySpan, outputField } from './receptiveFields.ts';

describe('receptive-field statistics (Moran’s I of output fields, trained vs untrained)', () => {
  const config = preset('patterns')!; // 20 -> 32 -> 3, Td 15 and 15

  it("each output's value is its field's maximum over row orders, at least the field's own I", () => {
    const parameters = { layers: initialParameters(config) };
    const values = outputFieldMoransI(config, parameters, { permutations: 200, seed: 1 });
    expect(values).toHaveLength(3);
    const span = fullDelaySpan(15, 15);
    values.forEach((value, neuron) => {
      const [p0, p1] = parameters.layers as [(typeof parameters.layers)[0], (typeof parameters.layers)[0]];
      const field = outputField(
        p0.weights,
        p0.delays,
        20,
        32,
        p1.weights,
        p1.delays,
        neuron,
        span,
        'nearest',
      );
      const own = moransI({ values: field.grid, rows: 20, cols: span }).value!;
      expect(value!).toBeGreaterThanOrEqual(own - 1e-12);
    });
  });

  it('a field made of smooth blobs scores far above the random start; the U test says so', () => {
    const start = initialParameters(config);
    // Every input reaches hidden neuron h only, at delay 2 + (input / 4): a diagonal band, the
    // same sign throughout: strongly autocorrelated fields.
    const smooth = start.map((l) => ({
      weights: Float64Array.from(l.weights),
      delays: Float64Array.from(l.delays),
    }));
    const [l0, l1] = smooth as [(typeof smooth)[0], (typeof smooth)[0]];
    l0.weights.fill(0);
    for (let i = 0; i < 20; i++) {
      l0.weights[i * 32 + (i % 32)] = 1;
      l0.delays[i * 32 + (i % 32)] = 2 + Math.floor(i / 4);
    }
    l1.weights.fill(1);
    l1.delays.fill(0);
    const trained = outputFieldMoransI(config, { layers: smooth }, { permutations: 100 });
    const untrained = outputFieldMoransI(config, { layers: start }, { permutations: 100 });
    const cmp = compareTrainedUntrained([...trained, ...trained], [...untrained, ...untrained]);
    expect(cmp.trained.mean).toBeGreaterThan(cmp.untrained.mean + 0.1);
    expect(cmp.test.u).toBe(cmp.trained.values.length * cmp.untrained.values.length);
  });

  it('constant fields are left out and counted; a three-layer network is refused with the reason', () => {
    const cmp = compareTrainedUntrained([0.1, null, 0.3], [0.01, 0.02, null]);
    expect(cmp.undefinedFields).toBe(2);
    expect(cmp.trained.values).toEqual([0.1, 0.3]);
    expect(() => compareTrainedUntrained([null], [0.1])).toThrow(/nothing to compare/);
    expect(fieldProblem(preset('shd')!)).toMatch(/one hidden layer.*3 layers/);
    const rng = new Rng(1);
    const zero = initialParameters(config).map((l) => ({
      weights: new Float64Array(l.weights.length),
      delays: l.delays,
    }));
    expect(
      outputFieldMoransI(config, { layers: zero }, { permutations: 10, seed: rng.nextUint32() }),
    ).toEqual([null, null, null]);
  });
});
