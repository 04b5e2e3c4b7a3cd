import type { ExperimentConfig } from '../core/experiment.ts';
import { UsageError } from './args.ts';
import { readCheckpoint, type EpochRecord } from './runOutput.ts';

/** One run folder (written by `train --out`) boiled down to what a results table reports. */
export interface RunRow {
  dir: string;
  config: string;
  /**
   * The run's config without its seed and length, as canonical JSON: runs group as seeds of one
   * experiment only when this matches (a config file that extends a preset keeps its name).
   */
  configKey: string;
  seed: number;
  dataset: string | null;
  epochs: number;
  /** Accuracies are fractions (0..1); null where the run has no such split. */
  trainAccuracy: number | null;
  validationAccuracy: number | null;
  /** The epoch with the highest validation accuracy (the earliest on a tie, as training keeps it). */
  bestEpoch: number | null;
  /**
   * Test accuracy of the best-validation model (the number the papers report), or of the last
   * epoch's model when the run has no validation split (`testFrom` says which).
   */
  testAccuracy: number | null;
  testFrom: 'best-validation' | 'last-epoch';
  /** Train minus validation accuracy at the last epoch (overfitting; fraction). */
  gap: number | null;
  /**
   * Median wall time per epoch (s): training plus evaluating the training and validation splits
   * (the test split is evaluated after the clock stops). The median, so an epoch that sat paused
   * does not skew it.
   */
  secondsPerEpoch: number;
  /** Median training throughput (samples/s, evaluation excluded) over the epochs that recorded it. */
  trainSamplesPerSecond: number | null;
}

/** Runs of one experiment (same config apart from seed and length) and data set. */
export interface ConfigGroup {
  config: string;
  dataset: string | null;
  seeds: number[];
  epochs: number[];
  /** Mean and sample standard deviation (null below 2 values) of the rows' test accuracy, over n of them. */
  testMean: number | null;
  testStd: number | null;
  n: number;
  gapMean: number | null;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The config as canonical JSON (sorted keys) without the fields that differ between seeds of one experiment. */
export function experimentKey(config: ExperimentConfig): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted({ ...config, seed: null, training: { ...config.training, epochs: null } }));
}

/** The report's row from a run's config, seed, data set and per-epoch history. */
export function summariseRun(
  dir: string,
  run: { config: string; configKey: string; seed: number; dataset: string | null },
  history: readonly EpochRecord[],
): RunRow {
  if (history.length === 0) throw new UsageError(`${dir}: the run has no finished epoch yet`);
  let best: EpochRecord | null = null;
  for (const r of history) {
    if (finite(r.validationAccuracy) && (best === null || r.validationAccuracy > best.validationAccuracy!))
      best = r;
  }
  const last = history[history.length - 1]!;
  const gap =
    finite(last.trainAccuracy) && finite(last.validationAccuracy)
      ? last.trainAccuracy - last.validationAccuracy
      : null;
  const rates = history.map((r) => r.trainSamplesPerSecond).filter(finite);
  const test = (best ?? last).testAccuracy;
  return {
    dir,
    ...run,
    epochs: last.epoch,
    trainAccuracy: last.trainAccuracy,
    validationAccuracy: last.validationAccuracy,
    bestEpoch: best?.epoch ?? null,
    testAccuracy: finite(test) ? test : null,
    testFrom: best ? 'best-validation' : 'last-epoch',
    gap,
    secondsPerEpoch: (median(history.map((r) => r.ms).filter(finite)) ?? NaN) / 1000,
    trainSamplesPerSecond: median(rates),
  };
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function sampleStd(xs: readonly number[]): number | null {
  const m = mean(xs);
  if (m === null || xs.length < 2) return null;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Groups rows by experiment and data set (in first-seen order) and averages them over seeds. */
export function groupBySeed(rows: readonly RunRow[]): ConfigGroup[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of rows) {
    const key = `${r.configKey}\u0000${r.dataset ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const tests = g.map((r) => r.testAccuracy).filter(finite);
    return {
      config: g[0]!.config,
      dataset: g[0]!.dataset,
      seeds: g.map((r) => r.seed),
      epochs: g.map((r) => r.epochs),
      testMean: mean(tests),
      testStd: sampleStd(tests),
      n: tests.length,
      gapMean: mean(g.map((r) => r.gap).filter(finite)),
    };
  });
}

const pct = (x: number | null): string => (x === null ? '–' : (100 * x).toFixed(1));

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  return s < 10 ? s.toFixed(1) : s.toFixed(0);
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Markdown: one row per run, then (when some experiment has several seeds) one row per experiment. */
export function reportMarkdown(rows: readonly RunRow[]): string {
  const perRun = table(
    [
      'config',
      'data',
      'seed',
      'epochs',
      'train %',
      'val %',
      'test % (best val, epoch)',
      'train - val gap',
      's / epoch',
      'train samples/s',
    ],
    rows.map((r) => [
      `\`${r.config}\``,
      r.dataset ?? 'generated',
      String(r.seed),
      String(r.epochs),
      pct(r.trainAccuracy),
      pct(r.validationAccuracy),
      `${pct(r.testAccuracy)} (${r.testFrom === 'best-validation' ? String(r.bestEpoch) : 'last'})`,
      pct(r.gap),
      seconds(r.secondsPerEpoch),
      r.trainSamplesPerSecond === null ? '–' : r.trainSamplesPerSecond.toFixed(0),
    ]),
  );
  const groups = groupBySeed(rows);
  if (groups.every((g) => g.seeds.length < 2)) return perRun;
  const perConfig = table(
    ['config', 'data', 'seeds', 'epochs', 'test % mean ± sd (n)', 'mean gap'],
    groups.map((g) => [
      `\`${g.config}\``,
      g.dataset ?? 'generated',
      g.seeds.join(', '),
      [...new Set(g.epochs)].join(', '),
      `${g.testStd === null ? pct(g.testMean) : `${pct(g.testMean)} ± ${pct(g.testStd)}`} (${g.n})`,
      pct(g.gapMean),
    ]),
  );
  return `${perRun}\n\n${perConfig}`;
}

/** Reads a run folder's checkpoint: config, seed, data set and the per-epoch history. */
export function readRun(dir: string): RunRow {
  const checkpoint = readCheckpoint(dir, 'report');
  // The CLI stores the whole per-epoch record (test split included) in the checkpoint.
  const history = checkpoint.history as EpochRecord[];
  return summariseRun(
    dir,
    {
      config: checkpoint.config.name,
      configKey: experimentKey(checkpoint.config),
      seed: checkpoint.config.seed,
      dataset: checkpoint.dataset,
    },
    history,
  );
}
