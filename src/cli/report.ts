import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args.ts';
import { METRICS_JSON, readCheckpoint, type EpochRecord } from './runOutput.ts';

/** One run folder (written by `train --out`) boiled down to what a results table reports. */
export interface RunRow {
  dir: string;
  config: string;
  seed: number;
  dataset: string | null;
  epochs: number;
  /** Accuracies are fractions (0..1); null where the run has no such split. */
  trainAccuracy: number | null;
  validationAccuracy: number | null;
  /** The epoch with the highest validation accuracy (the earliest on a tie, as training keeps it). */
  bestEpoch: number | null;
  /** Test accuracy of the best-validation model, the number the papers report. */
  bestTestAccuracy: number | null;
  /** Train minus validation accuracy at the last epoch (overfitting; fraction). */
  gap: number | null;
  /** Median wall time per epoch (s), evaluation included; the median, so an epoch that sat paused does not skew it. */
  secondsPerEpoch: number;
  /** Median training throughput (samples/s, evaluation excluded) over the epochs that recorded it. */
  trainSamplesPerSecond: number | null;
}

/** Runs of one config and data set over several seeds. */
export interface ConfigGroup {
  config: string;
  dataset: string | null;
  seeds: number[];
  epochs: number[];
  bestTestMean: number | null;
  /** Sample standard deviation over seeds (null for a single seed). */
  bestTestStd: number | null;
  gapMean: number | null;
}

/** The report's rows from a run's name, seed, data set and per-epoch history. */
export function summariseRun(
  dir: string,
  run: { config: string; seed: number; dataset: string | null },
  history: readonly EpochRecord[],
): RunRow {
  if (history.length === 0) throw new UsageError(`${dir}: the run has no finished epoch yet`);
  let best: EpochRecord | null = null;
  for (const r of history) {
    if (r.validationAccuracy !== null && (best === null || r.validationAccuracy > best.validationAccuracy!))
      best = r;
  }
  const last = history[history.length - 1]!;
  const gap =
    last.trainAccuracy !== null && last.validationAccuracy !== null
      ? last.trainAccuracy - last.validationAccuracy
      : null;
  return {
    dir,
    ...run,
    epochs: last.epoch,
    trainAccuracy: last.trainAccuracy,
    validationAccuracy: last.validationAccuracy,
    bestEpoch: best?.epoch ?? null,
    bestTestAccuracy: best?.testAccuracy ?? null,
    gap,
    secondsPerEpoch: median(history.map((r) => r.ms))! / 1000,
    trainSamplesPerSecond: median(
      history.flatMap((r) => (r.trainSamplesPerSecond === undefined ? [] : [r.trainSamplesPerSecond])),
    ),
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

/** Groups rows by config and data set (in first-seen order) and averages them over seeds. */
export function groupBySeed(rows: readonly RunRow[]): ConfigGroup[] {
  const groups = new Map<string, RunRow[]>();
  for (const r of rows) {
    const key = `${r.config}\u0000${r.dataset ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const tests = g.flatMap((r) => (r.bestTestAccuracy === null ? [] : [r.bestTestAccuracy]));
    return {
      config: g[0]!.config,
      dataset: g[0]!.dataset,
      seeds: g.map((r) => r.seed),
      epochs: g.map((r) => r.epochs),
      bestTestMean: mean(tests),
      bestTestStd: sampleStd(tests),
      gapMean: mean(g.flatMap((r) => (r.gap === null ? [] : [r.gap]))),
    };
  });
}

const pct = (x: number | null): string => (x === null ? '–' : (100 * x).toFixed(1));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Markdown: one row per run, then (when some config has several seeds) one row per config. */
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
      `${pct(r.bestTestAccuracy)} (${r.bestEpoch ?? '–'})`,
      pct(r.gap),
      r.secondsPerEpoch.toFixed(0),
      r.trainSamplesPerSecond === null ? '–' : r.trainSamplesPerSecond.toFixed(0),
    ]),
  );
  const groups = groupBySeed(rows);
  if (groups.every((g) => g.seeds.length < 2)) return perRun;
  const perConfig = table(
    ['config', 'data', 'seeds', 'epochs', 'test % mean ± sd', 'mean gap'],
    groups.map((g) => [
      `\`${g.config}\``,
      g.dataset ?? 'generated',
      g.seeds.join(', '),
      [...new Set(g.epochs)].join(', '),
      g.bestTestStd === null ? pct(g.bestTestMean) : `${pct(g.bestTestMean)} ± ${pct(g.bestTestStd)}`,
      pct(g.gapMean),
    ]),
  );
  return `${perRun}\n\n${perConfig}`;
}

/** Reads a run folder's checkpoint (config, seed, data set) and per-epoch metrics. */
export function readRun(dir: string): RunRow {
  const checkpoint = readCheckpoint(dir, 'report');
  const path = join(dir, METRICS_JSON);
  let history: EpochRecord[];
  try {
    history = JSON.parse(readFileSync(path, 'utf8')) as EpochRecord[];
  } catch (e) {
    throw new UsageError(`${path}: cannot be read as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(history)) throw new UsageError(`${path}: not a list of epochs`);
  return summariseRun(
    dir,
    { config: checkpoint.config.name, seed: checkpoint.config.seed, dataset: checkpoint.dataset },
    history,
  );
}
