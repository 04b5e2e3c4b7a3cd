import type { ExperimentConfig, LayerConfig, WeightInit } from '../experiment.ts';
import { validateExperiment } from '../experiment.ts';
import type { RewiringConfig } from './rewiring.ts';

/**
 * The four-way ablation of "delays and structure pruning" (section 3.4): fixed or learned
 * structure x fixed or learned delays, over a list of sparsities and seeds. Every cell is a whole
 * experiment config derived from one dense base config; the CLI's `sweep` runs them.
 */

export type Learned = 'fixed' | 'learned';

/** One of the four models: what learns besides the weights. */
export interface AblationModel {
  structure: Learned;
  delays: Learned;
}

export const ABLATION_MODELS: readonly AblationModel[] = [
  { structure: 'fixed', delays: 'fixed' },
  { structure: 'fixed', delays: 'learned' },
  { structure: 'learned', delays: 'fixed' },
  { structure: 'learned', delays: 'learned' },
];

/** The paper's sparsities (%): starting at 50 %, the connections halved three times. */
export const PAPER_SPARSITIES: readonly number[] = [50, 75, 87.5, 93.75];

/**
 * Structure learning as the paper runs it (DEEP R prunes, RigL regrows, Dale's law), with the L1
 * and temperature of the yinyang-rewired preset. A base config with rewiring of its own lends its
 * settings instead (rewiringOf).
 */
export const DEFAULT_ABLATION_REWIRING: RewiringConfig = {
  regrowth: 'gradient',
  dale: true,
  l1: 0.01,
  temperature: 1e-6,
};

export interface AblationCell {
  /** A folder-safe name, e.g. `learned-structure_fixed-delays_s87.5_seed1`. */
  name: string;
  model: AblationModel;
  /** Share of synapses absent (%), per layer. */
  sparsity: number;
  seed: number;
  config: ExperimentConfig;
}

export function modelLabel(model: AblationModel): string {
  return `${model.structure} structure, ${model.delays} delays`;
}

export function cellName(model: AblationModel, sparsity: number, seed: number): string {
  return `${model.structure}-structure_${model.delays}-delays_s${sparsity}_seed${seed}`;
}

/** The first rewiring settings of the base config's layers, or the paper's. */
function rewiringOf(base: ExperimentConfig): RewiringConfig {
  for (const l of base.network.layers) if (l.rewiring) return { ...l.rewiring };
  return { ...DEFAULT_ABLATION_REWIRING };
}

/**
 * The weight initialisation scaled by `gain`: a layer with a share c of its synapses keeps each
 * neuron's expected summed input at the dense network's by weights 1/c as large (the
 * yinyang-rewired preset's factor 4 at c = 1/4).
 */
export function scaledWeightInit(init: WeightInit, gain: number): WeightInit {
  switch (init.kind) {
    case 'uniform':
      return { kind: 'uniform', low: gain * init.low, high: gain * init.high };
    case 'normal':
    case 'ternary':
      return { ...init, scale: gain * init.scale };
    case 'constant':
      return { kind: 'constant', value: gain * init.value };
  }
}

/**
 * One layer of a cell. Learned structure: rewiring at the sparsity, with Dale's law as in the
 * paper. Fixed structure: a random fixed mask and no Dale's law (the paper leaves it out there,
 * since a poor draw of signs could not be undone). Fixed delays: the delays stay at their
 * initialisation and act as integer ring-buffer taps (kernel `round`), as a network without
 * delay learning runs them; learned delays keep the base config's kernel. EventProp's exact
 * spike times use the real delays whatever the kernel: its fixed delays keep the kernel too.
 */
function cellLayer(
  layer: LayerConfig,
  model: AblationModel,
  connectivity: number,
  rewiring: RewiringConfig,
  eventprop: boolean,
): LayerConfig {
  const gain = layer.connectivity / connectivity;
  const learnDelays = model.delays === 'learned';
  return {
    ...structuredClone(layer),
    weightInit: scaledWeightInit(layer.weightInit, gain),
    connectivity,
    rewiring: model.structure === 'learned' ? { ...rewiring } : null,
    trainDelays: learnDelays,
    kernel: learnDelays || eventprop ? { ...layer.kernel } : { ...layer.kernel, mode: 'round' },
  };
}

/** Why a base config or sparsity list cannot make an ablation, or null. */
export function ablationProblem(base: ExperimentConfig, sparsities: readonly number[]): string | null {
  if (base.network.layers.some((l) => l.connectivity < 1))
    return `the base config '${base.name}' is already sparse: give a dense config (connectivity 1 in every layer), the sweep sets the sparsity`;
  if (base.network.layers.some((l) => !l.trainWeights))
    return 'the ablation trains the weights in every model: give a config whose layers all train their weights';
  for (const s of sparsities)
    if (!(s > 0 && s < 100)) return `a sparsity must lie strictly between 0 and 100 %, got ${s}`;
  return null;
}

/**
 * Every cell of the ablation: models x sparsities x seeds, in that nesting (the CLI runs them in
 * this order). Each config is validated, so a cell that could not run fails here, before any runs.
 */
export function ablationCells(
  base: ExperimentConfig,
  options: {
    sparsities: readonly number[];
    seeds: readonly number[];
    models?: readonly AblationModel[];
    /** Epochs per cell; the base config's when absent. */
    epochs?: number | undefined;
  },
): AblationCell[] {
  const problem = ablationProblem(base, options.sparsities);
  if (problem) throw new RangeError(problem);
  const rewiring = rewiringOf(base);
  const cells: AblationCell[] = [];
  for (const model of options.models ?? ABLATION_MODELS) {
    for (const sparsity of options.sparsities) {
      const connectivity = 1 - sparsity / 100;
      for (const seed of options.seeds) {
        const name = cellName(model, sparsity, seed);
        const config: ExperimentConfig = {
          ...structuredClone(base),
          name: `${base.name}-${model.structure}-structure-${model.delays}-delays-s${sparsity}`,
          description: `${base.name} at ${sparsity} % sparsity, ${modelLabel(model)} (the four-way ablation)`,
          seed,
          network: {
            ...structuredClone(base.network),
            layers: base.network.layers.map((l) =>
              cellLayer(l, model, connectivity, rewiring, base.training.method === 'eventprop'),
            ),
          },
          training: { ...base.training, epochs: options.epochs ?? base.training.epochs },
        };
        cells.push({ name, model, sparsity, seed, config: validateExperiment(config) });
      }
    }
  }
  return cells;
}

/** A finished cell's result: the best-validation model's test accuracy (as `report` gives it). */
export interface CellResult {
  model: AblationModel;
  sparsity: number;
  seed: number;
  testAccuracy: number;
}

export interface AblationTableRow {
  model: AblationModel;
  /** Per sparsity (in the table's order): mean and sample standard deviation over seeds, n. */
  cells: { sparsity: number; mean: number | null; std: number | null; n: number }[];
}

/** Mean test accuracy over seeds per model and sparsity: the paper's Figure 3 as a table. */
export function ablationTable(
  results: readonly CellResult[],
  sparsities: readonly number[],
  models: readonly AblationModel[] = ABLATION_MODELS,
): AblationTableRow[] {
  const same = (a: AblationModel, b: AblationModel): boolean =>
    a.structure === b.structure && a.delays === b.delays;
  return models.map((model) => ({
    model,
    cells: sparsities.map((sparsity) => {
      const xs = results
        .filter((r) => same(r.model, model) && r.sparsity === sparsity)
        .map((r) => r.testAccuracy);
      const n = xs.length;
      if (n === 0) return { sparsity, mean: null, std: null, n };
      const mean = xs.reduce((a, b) => a + b, 0) / n;
      const std = n < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
      return { sparsity, mean, std, n };
    }),
  }));
}
