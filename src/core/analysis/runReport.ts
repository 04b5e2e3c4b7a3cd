import type { ExperimentConfig } from '../experiment.ts';
import type { EpochRecord } from '../runRecord.ts';

/**
 * Results tables of runs: per run (last-epoch accuracies, the best-validation model's test
 * accuracy, the train - validation gap, time per epoch) and per experiment over seeds (mean ±
 * sample sd). `delaylab report` prints them; the playground's run comparison shows them.
 */

/** One run (a CLI run folder, a stored playground run) boiled down to what a results table reports. */
export interface RunRow {
  /** Where the run is: its folder (CLI) or its name (playground). */
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
  /** The experiment (experimentKey): two groups may share a config name with other settings. */
  configKey: string;
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

/** The report's row from a run's config, seed, data set and per-epoch history (null before its first epoch). */
export function summariseRun(
  dir: string,
  run: { config: string; configKey: string; seed: number; dataset: string | null },
  history: readonly EpochRecord[],
): RunRow | null {
  if (history.length === 0) return null;
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
      configKey: g[0]!.configKey,
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
