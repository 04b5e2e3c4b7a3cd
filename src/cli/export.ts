import { existsSync, statSync, readFileSync } from 'node:fs';
import { denseParameters, possibleOf, type Checkpoint } from '../core/checkpoint.ts';
import { buildTaskData } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import { buildDelayTable, tableCsv, tableJson } from '../core/delayTable.ts';
import { fitDelayTable, targetMaxDelay, type FittedTable, type HardwareTarget } from '../core/hardware.ts';
import {
  graphSize,
  NirExportError,
  nirGraphFromTable,
  type NirGraphSize,
  type NirLayerBranches,
} from '../core/nir/graph.ts';
import { writeNirFile } from '../io/nirFile.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import {
  decodeModel,
  encodeModel,
  modelFromTrainer,
  ModelFormatError,
  type Model,
} from '../core/modelFile.ts';
import { setParameters } from '../core/runLoop.ts';
import { delayRange } from '../core/synapses/kernels.ts';
import { denseLayerState, Trainer } from '../core/trainer.ts';
import { UsageError } from './args.ts';
import { readCheckpoint } from './runOutput.ts';

/**
 * `delaylab export` and the rounding-gap report: a run folder's (or a model file's) parameters
 * as the playground's model file or quantised delay table, and what rounding the delays to a
 * ring buffer's integer taps costs.
 */

export const EXPORT_FORMATS = ['model', 'delays-json', 'delays-csv', 'nir', 'gap', 'readouts'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Which parameters of a run folder: the best-validation model's (what `report` tests) or the last. */
export type ExportParameters = 'best' | 'final';

/** What is exported: a config with its parameters, the kernel width they go with, and where from. */
export interface ExportSource {
  config: ExperimentConfig;
  layers: { weights: Float64Array; delays: Float64Array }[];
  /**
   * Gaussian kernel width (time steps) the parameters are evaluated with. For a run folder it may
   * build the run's trainer (which needs the data) when first read.
   */
  readonly sigma: number;
  dataset: string | null;
  /** Where they come from, e.g. "best-validation model (epoch 12)". */
  what: string;
  /** The epoch record the parameters belong to, when known. */
  metrics: Checkpoint['history'][number] | null;
}

/** A run folder's or a model file's config, so the caller can load the data it needs. */
export function exportConfig(path: string): { config: ExperimentConfig; dataset: string | null } {
  if (isRunFolder(path)) {
    const c = readCheckpoint(path, 'export');
    return { config: c.config, dataset: c.dataset };
  }
  const model = readModelFile(path);
  return { config: model.config, dataset: model.dataset };
}

function isRunFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function readModelFile(path: string): Model {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`export: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    return decodeModel(text, path);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new UsageError(e.message);
    throw e;
  }
}

/** A trainer of the config on the data (no training: evaluation and the schedules need it). */
export function trainerOf(config: ExperimentConfig, raw: RawDataset | null): Trainer {
  return new Trainer(config, { precision: 'f32', data: buildTaskData(config, raw) });
}

/**
 * The parameters to export: from a model file as saved, from a run folder the best-validation
 * model (default; the last one when the run kept no best) or the last.
 */
export function exportSource(
  path: string,
  parameters: ExportParameters,
  trainer: () => Trainer,
): ExportSource {
  if (!isRunFolder(path)) {
    const m = readModelFile(path);
    return {
      config: m.config,
      layers: m.layers.map((l) => ({ weights: l.weights, delays: l.delays })),
      sigma: m.layers[0]?.sigma ?? 1,
      dataset: m.dataset,
      what: `model file saved ${m.savedAt}`,
      metrics: null,
    };
  }
  const c = readCheckpoint(path, 'export');
  // The run's trainer at the checkpoint (its schedules give the kernel width), built only if needed.
  const model = (): Trainer => {
    const t = trainer();
    t.importState(c.state);
    return t;
  };
  const best = parameters === 'best' ? c.best : null;
  // The kernel width comes from the schedules (a trainer, and so the data) only when asked for:
  // a delay table or a NIR graph holds quantised delays and never asks.
  if (best) {
    return {
      config: c.config,
      // Exports hold every possible synapse (a compact layer's absent ones at weight 0).
      layers: best.layers.map((l, i) => {
        const dense = denseParameters(l, possibleOf(c.config, i));
        return { weights: Float64Array.from(dense.weights), delays: Float64Array.from(dense.delays) };
      }),
      get sigma(): number {
        if (best.sigma !== null) return best.sigma;
        const t = model();
        return t.sigmaAtStep(best.epoch * t.stepsPerEpoch);
      },
      dataset: c.dataset,
      what: `best-validation model (epoch ${best.epoch})`,
      metrics: c.history.find((r) => r.epoch === best.epoch) ?? null,
    };
  }
  return {
    config: c.config,
    layers: c.state.layers.map((l, i) => {
      const dense = denseLayerState(l, possibleOf(c.config, i));
      return { weights: dense.weights, delays: dense.delays };
    }),
    get sigma(): number {
      return model().currentSigma();
    },
    dataset: c.dataset,
    what: `last parameters (step ${c.state.step})`,
    metrics: c.history.at(-1) ?? null,
  };
}

/** A trainer holding the source's parameters and kernel width. */
export function loadedTrainer(source: ExportSource, raw: RawDataset | null, config = source.config): Trainer {
  const model = trainerOf(config, raw);
  setParameters(model, source.layers);
  model.net.setSigma(source.sigma);
  return model;
}

/** Delays a hardware target cannot hold: clamp them to its largest, or refuse the export. */
export type ExcessDelays = 'clamp' | 'reject';

/** The source's quantised delay table fitted to a target, refused when it must clamp and may not. */
function fittedTable(source: ExportSource, target: HardwareTarget, excess: ExcessDelays): FittedTable {
  const fitted = fitDelayTable(buildDelayTable(source.config, source.layers), target);
  const over = fitted.clamped.reduce((a, b) => a + b, 0);
  if (over > 0 && excess === 'reject')
    throw new UsageError(
      `export: ${over} delays exceed ${target}'s largest, ${targetMaxDelay(target)} steps (per layer: ${fitted.clamped.join(', ')}); --excess clamp clamps them`,
    );
  return fitted;
}

/** A NIR export: the file's bytes, what the per-delay expansion cost, and what a target clamped. */
export interface NirExport {
  bytes: Uint8Array;
  size: NirGraphSize;
  branches: NirLayerBranches[];
  clamped: number[];
}

/**
 * The source as a NIR graph (core/nir/graph.ts) in an HDF5 file: integer delays as inference
 * runs them (fitted to `target`), one Linear + Delay branch per distinct delay of each layer.
 */
export async function exportNir(
  source: ExportSource,
  target: HardwareTarget = 'unbounded',
  excess: ExcessDelays = 'clamp',
): Promise<NirExport> {
  const fitted = fittedTable(source, target, excess);
  let built: ReturnType<typeof nirGraphFromTable>;
  try {
    built = nirGraphFromTable(source.config, fitted.table, { source: source.what, target });
  } catch (e) {
    if (e instanceof NirExportError) throw new UsageError(`export: ${e.message}`);
    throw e;
  }
  const bytes = await writeNirFile(built.graph);
  return { bytes, size: graphSize(built.graph), branches: built.branches, clamped: fitted.clamped };
}

/** One line per layer and a total: what the NIR expansion holds. */
export function nirSummary(result: NirExport): string {
  const s = result.size;
  const layers = result.branches.map(
    (b) =>
      `layer ${b.layer}: ${b.delays.length} delay branch${b.delays.length === 1 ? '' : 'es'} (${b.delays.length > 0 ? `${b.delays[0]}-${b.delays.at(-1)} steps` : 'no synapses'})`,
  );
  return [
    ...layers,
    `${s.nodes} nodes, ${s.edges} edges; ${s.storedWeights} stored weights for ${s.synapses} synapses (${s.expansion.toFixed(1)}x), ${s.delayElements} delay elements; ${result.bytes.length} bytes`,
  ].join('\n');
}

/** The file text of a model or delay-table export, and (tables) how many delays a target clamped. */
export function exportText(
  source: ExportSource,
  format: Exclude<ExportFormat, 'gap' | 'nir'>,
  raw: RawDataset | null,
  target: HardwareTarget = 'unbounded',
  excess: ExcessDelays = 'clamp',
): { text: string; clamped: number[] } {
  if (format === 'delays-json' || format === 'delays-csv') {
    const fitted = fittedTable(source, target, excess);
    const text = format === 'delays-json' ? tableJson(fitted.table) : tableCsv(fitted.table);
    return { text, clamped: fitted.clamped };
  }
  if (target !== 'unbounded')
    throw new UsageError(
      'export: --target applies to delay tables (delays-json, delays-csv); a model file keeps real delays',
    );
  const model = loadedTrainer(source, raw);
  const text = encodeModel(
    modelFromTrainer(model, {
      dataset: source.dataset,
      ...(source.metrics ? { metrics: source.metrics } : {}),
    }),
  );
  return { text, clamped: [] };
}

/** One way of running the trained delays, and its test accuracy. */
export interface GapRow {
  kernel: string;
  accuracy: number;
  loss: number;
}

export interface GapReport {
  what: string;
  testSamples: number;
  rows: GapRow[];
  /** Per layer: share of delays at 0 and at Td - 1 (the range's ends, where training may pile them). */
  edges: { layer: number; atZero: number; atMax: number }[];
}

/**
 * The rounding gap: the test accuracy of the same trained parameters under the training kernel
 * (the Gaussian at its final width, or whatever the config trains with), linear interpolation,
 * and integer ring buffers rounding each delay to the nearest step and down (floor).
 */
export function roundingGap(source: ExportSource, raw: RawDataset | null): GapReport {
  const trained = source.config.network.layers[0]!.kernel;
  const withKernel = (mode: 'lerp' | 'round', rounding: 'nearest' | 'floor'): ExperimentConfig => ({
    ...structuredClone(source.config),
    network: {
      ...source.config.network,
      layers: source.config.network.layers.map((l) => ({ ...l, kernel: { ...l.kernel, mode, rounding } })),
    },
  });
  const configs: { kernel: string; config: ExperimentConfig }[] = [
    {
      kernel:
        trained.mode === 'gauss'
          ? `gauss (as trained, sigma ${source.sigma.toFixed(3)})`
          : `${trained.mode} (as trained)`,
      config: source.config,
    },
    { kernel: 'lerp (linear interpolation)', config: withKernel('lerp', 'nearest') },
    { kernel: 'ring buffer, nearest step', config: withKernel('round', 'nearest') },
    { kernel: 'ring buffer, floor', config: withKernel('round', 'floor') },
  ];
  let testSamples = 0;
  const rows = configs.map(({ kernel, config }) => {
    const model = loadedTrainer(source, raw, config);
    const r = model.evaluate(model.data.test);
    testSamples = r.samples;
    return { kernel, accuracy: r.accuracy ?? NaN, loss: r.loss };
  });
  const edges = source.layers.map((l, layer) => {
    const { min, max } = delayRange(source.config.network.layers[layer]!.kernel.maxDelay);
    let atZero = 0;
    let atMax = 0;
    for (const d of l.delays) {
      if (d <= min) atZero++;
      else if (d >= max) atMax++;
    }
    return { layer, atZero: atZero / l.delays.length, atMax: atMax / l.delays.length };
  });
  return { what: source.what, testSamples, rows, edges };
}

export function gapMarkdown(report: GapReport): string {
  const lines = [
    `Rounding gap of the ${report.what}, test accuracy on ${report.testSamples} samples:`,
    '',
    '| delays run as | test % | test loss |',
    '| --- | --- | --- |',
    ...report.rows.map((r) => `| ${r.kernel} | ${(100 * r.accuracy).toFixed(2)} | ${r.loss.toFixed(4)} |`),
    '',
    '| layer | delays at 0 | delays at Td - 1 |',
    '| --- | --- | --- |',
    ...report.edges.map(
      (e) => `| ${e.layer} | ${(100 * e.atZero).toFixed(1)} % | ${(100 * e.atMax).toFixed(1)} % |`,
    ),
  ];
  return lines.join('\n');
}
