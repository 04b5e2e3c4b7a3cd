import { describe, expect, it } from 'vitest';
import { preset } from '../presets.ts';
import {
  ABLATION_MODELS,
  ablationCells,
  ablationProblem,
  ablationTable,
  PAPER_SPARSITIES,
} from './ablation.ts';

describe('the four-way structure x delay ablation', () => {
  const base = preset('yinyang')!;

  it('makes models x sparsities x seeds cells, each set as its model says', () => {
    const cells = ablationCells(base, { sparsities: PAPER_SPARSITIES, seeds: [1, 2, 3], epochs: 7 });
    expect(cells).toHaveLength(4 * 4 * 3);
    expect(new Set(cells.map((c) => c.name)).size).toBe(cells.length);
    for (const cell of cells) {
      const { config, model, sparsity, seed } = cell;
      expect(config.seed).toBe(seed);
      expect(config.training.epochs).toBe(7);
      config.network.layers.forEach((layer, l) => {
        const dense = base.network.layers[l]!;
        expect(layer.connectivity).toBeCloseTo(1 - sparsity / 100, 12);
        // Learned structure rewires with Dale's law; fixed structure keeps its random mask.
        if (model.structure === 'learned')
          expect(layer.rewiring).toMatchObject({ regrowth: 'gradient', dale: true });
        else expect(layer.rewiring).toBeNull();
        expect(layer.trainDelays).toBe(model.delays === 'learned');
        expect(layer.kernel.mode).toBe(model.delays === 'learned' ? dense.kernel.mode : 'round');
        expect(layer.trainWeights).toBe(true);
        // The expected summed input per neuron stays the dense network's: bounds / connectivity.
        if (layer.weightInit.kind !== 'uniform' || dense.weightInit.kind !== 'uniform')
          throw new Error('uniform');
        expect(layer.weightInit.high).toBeCloseTo(dense.weightInit.high / layer.connectivity, 12);
      });
    }
    // At 75 % sparsity the learned-structure cells match the yinyang-rewired preset's network.
    const rewired = preset('yinyang-rewired')!;
    const cell = cells.find(
      (c) => c.sparsity === 75 && c.model.structure === 'learned' && c.model.delays === 'learned',
    )!;
    expect(cell.config.network.layers).toEqual(rewired.network.layers);
  });

  it('lends the base config rewiring settings to the learned-structure cells', () => {
    const custom = preset('yinyang')!;
    custom.network.layers[0]!.rewiring = { regrowth: 'random', dale: false, l1: 0.02, temperature: 0 };
    // A layer with rewiring must be sparse to validate, but the ablation wants a dense base: the
    // settings are read before the sparsity is checked, so use them through a dense copy.
    const cells = ablationCells(
      {
        ...custom,
        network: { ...custom.network, layers: custom.network.layers.map((l) => ({ ...l, connectivity: 1 })) },
      },
      { sparsities: [50], seeds: [1], models: [ABLATION_MODELS[3]!] },
    );
    expect(cells[0]!.config.network.layers[1]!.rewiring).toEqual({
      regrowth: 'random',
      dale: false,
      l1: 0.02,
      temperature: 0,
    });
  });

  it('makes EventProp cells too (their fixed delays keep the kernel: exact spike times use the real delays)', () => {
    const cells = ablationCells(preset('eventprop-yinyang')!, { sparsities: [75], seeds: [1] });
    expect(cells).toHaveLength(4);
    for (const c of cells) {
      expect(c.config.training.method).toBe('eventprop');
      for (const l of c.config.network.layers) expect(l.trainDelays).toBe(c.model.delays === 'learned');
    }
  });

  it('refuses what cannot make the ablation', () => {
    expect(ablationProblem(preset('yinyang-rewired')!, [50])).toMatch(/already sparse/);
    expect(ablationProblem(base, [0])).toMatch(/strictly between 0 and 100/);
    expect(ablationProblem(base, [100])).toMatch(/strictly between/);
    expect(() => ablationCells(base, { sparsities: [120], seeds: [1] })).toThrow(/strictly between/);
  });

  it('tables mean and sample sd over seeds per model and sparsity, and says what is missing', () => {
    const [ff, , , ll] = ABLATION_MODELS;
    const table = ablationTable(
      [
        { model: ff!, sparsity: 50, seed: 1, testAccuracy: 0.8 },
        { model: ff!, sparsity: 50, seed: 2, testAccuracy: 0.9 },
        { model: ff!, sparsity: 50, seed: 3, testAccuracy: 0.7 },
        { model: ll!, sparsity: 75, seed: 1, testAccuracy: 0.6 },
      ],
      [50, 75],
    );
    expect(table).toHaveLength(4);
    expect(table[0]!.cells[0]!.mean).toBeCloseTo(0.8, 12);
    expect(table[0]!.cells[0]!.std).toBeCloseTo(0.1, 12);
    expect(table[0]!.cells[0]!.n).toBe(3);
    expect(table[0]!.cells[1]).toEqual({ sparsity: 75, mean: null, std: null, n: 0 });
    expect(table[3]!.cells[1]).toEqual({ sparsity: 75, mean: 0.6, std: null, n: 1 });
  });
});
