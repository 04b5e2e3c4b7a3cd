import {
  compareTrainedUntrained,
  fieldProblem,
  outputFieldMoransI,
  type TrainedVsUntrained,
} from '../core/analysis/fieldStatistics.ts';
import { initialParameters } from '../core/trainer.ts';
import { UsageError } from './args.ts';
import { readCheckpoint } from './runOutput.ts';

/** One run folder's receptive-field statistics: each output neuron's maximum Moran's I. */
export interface AnalyzedRun {
  dir: string;
  config: string;
  seed: number;
  epochs: number;
  /** Per output neuron, trained (the checkpoint's parameters) and untrained (the seed's start). */
  trained: (number | null)[];
  untrained: (number | null)[];
}

export interface AnalyzeResult {
  permutations: number;
  contiguity: 'queen';
  runs: AnalyzedRun[];
  /** Every run's fields pooled: means, and the Mann-Whitney U of trained against untrained. */
  pooled: TrainedVsUntrained;
}

/**
 * `delaylab analyze`: for each run folder (train --out), the Moran's I of every output neuron's
 * receptive field after training and at the seed's initialisation, then all of them pooled and
 * compared (core/analysis/fieldStatistics.ts). Progress per run on `log`.
 */
export function analyzeRuns(
  dirs: readonly string[],
  options: { permutations: number; seed: number },
  log: (line: string) => void,
): AnalyzeResult {
  const runs = dirs.map((dir): AnalyzedRun => {
    const checkpoint = readCheckpoint(dir, 'analyze');
    const config = checkpoint.config;
    const problem = fieldProblem(config);
    if (problem) throw new UsageError(`analyze ${dir}: ${problem}`);
    const started = performance.now();
    const fieldOptions = { permutations: options.permutations, seed: options.seed };
    const trained = outputFieldMoransI(config, checkpoint.state, fieldOptions);
    const untrained = outputFieldMoransI(config, { layers: initialParameters(config) }, fieldOptions);
    log(
      `analyze ${dir}: '${config.name}' seed ${config.seed}, ${trained.length} output fields x ${options.permutations} row orders (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    return {
      dir,
      config: config.name,
      seed: config.seed,
      epochs: checkpoint.history.length,
      trained,
      untrained,
    };
  });
  return {
    permutations: options.permutations,
    contiguity: 'queen',
    runs,
    pooled: compareTrainedUntrained(
      runs.flatMap((r) => r.trained),
      runs.flatMap((r) => r.untrained),
    ),
  };
}

const mean = (xs: readonly (number | null)[]): string => {
  const d = xs.filter((x): x is number => x !== null);
  return d.length ? (d.reduce((s, x) => s + x, 0) / d.length).toFixed(4) : '–';
};

/** Markdown: a row per run (mean I trained and untrained), then the pooled test. */
export function analyzeMarkdown(result: AnalyzeResult): string {
  const rows = result.runs.map(
    (r) =>
      `| ${r.dir} | \`${r.config}\` | ${r.seed} | ${r.epochs} | ${r.trained.length} | ${mean(r.trained)} | ${mean(r.untrained)} |`,
  );
  const p = result.pooled;
  return [
    `Maximum Moran's I (queen's case, ${result.permutations} random input orders) of each output neuron's receptive field:`,
    '',
    '| run | config | seed | epochs | outputs | mean I trained | mean I untrained |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Pooled: trained mean ${p.trained.mean.toFixed(4)} (n = ${p.trained.values.length}), untrained mean ${p.untrained.mean.toFixed(4)} (n = ${p.untrained.values.length}); Mann-Whitney U = ${p.test.u} (of ${p.trained.values.length * p.untrained.values.length}), two-sided p = ${p.test.p.toPrecision(3)} (${p.test.method})${p.undefinedFields ? `; ${p.undefinedFields} constant fields left out` : ''}.`,
  ].join('\n');
}
