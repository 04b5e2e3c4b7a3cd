import { experimentKey, groupBySeed, summariseRun, type RunRow } from '../core/analysis/runReport.ts';
import { markdownTable as table } from '../core/analysis/markdownTable.ts';
import { crc32 } from '../core/crc32.ts';
import { UsageError } from './args.ts';
import { readCheckpoint, type EpochRecord } from './runOutput.ts';

export {
  experimentKey,
  groupBySeed,
  summariseRun,
  type ConfigGroup,
  type RunRow,
} from '../core/analysis/runReport.ts';

const pct = (x: number | null): string => (x === null ? '–' : (100 * x).toFixed(1));

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  return s < 10 ? s.toFixed(1) : s.toFixed(0);
}

/**
 * A config's name as the tables show it: the name alone, or where runs of one name have other
 * settings (a preset changed between runs, a config file that kept the name), the name and a
 * short tag of its settings, so that they are told apart.
 */
function configLabels(
  rows: readonly { config: string; configKey: string }[],
): (r: { config: string; configKey: string }) => string {
  const keysOf = new Map<string, Set<string>>();
  for (const r of rows) keysOf.set(r.config, (keysOf.get(r.config) ?? new Set()).add(r.configKey));
  return (r) =>
    (keysOf.get(r.config)?.size ?? 1) > 1
      ? `\`${r.config}\` #${crc32(new TextEncoder().encode(r.configKey)).toString(16).padStart(8, '0').slice(0, 6)}`
      : `\`${r.config}\``;
}

/** Markdown: one row per run, then (when some experiment has several seeds) one row per experiment. */
export function reportMarkdown(rows: readonly RunRow[]): string {
  const label = configLabels(rows);
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
      label(r),
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
      label(g),
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
  const row = summariseRun(
    dir,
    {
      config: checkpoint.config.name,
      configKey: experimentKey(checkpoint.config),
      seed: checkpoint.config.seed,
      dataset: checkpoint.dataset,
    },
    history,
  );
  if (!row) throw new UsageError(`${dir}: the run has no finished epoch yet`);
  return row;
}

/** Which epochs a per-epoch table shows: the listed ones, or every epoch any run has. */
export type EpochSelection = number[] | 'all';

/** One run's per-epoch test (and validation) accuracy, for `report --per-epoch`. */
export interface RunCurve {
  dir: string;
  config: string;
  configKey: string;
  seed: number;
  epochs: { epoch: number; validationAccuracy: number | null; testAccuracy: number | null }[];
}

export function readCurve(dir: string): RunCurve {
  const checkpoint = readCheckpoint(dir, 'report');
  return {
    dir,
    config: checkpoint.config.name,
    configKey: experimentKey(checkpoint.config),
    seed: checkpoint.config.seed,
    epochs: (checkpoint.history as EpochRecord[]).map((r) => ({
      epoch: r.epoch,
      validationAccuracy: r.validationAccuracy,
      testAccuracy: r.testAccuracy,
    })),
  };
}

/** Parses --per-epoch: "all", or a comma list of epochs (1, 2, 4, ...). */
export function parseEpochSelection(text: string): EpochSelection {
  if (text === 'all') return 'all';
  const epochs = text.split(',').map((s) => Number(s.trim()));
  if (epochs.length === 0 || epochs.some((e) => !Number.isInteger(e) || e < 1))
    throw new UsageError(`--per-epoch must be 'all' or a comma list of epochs from 1, got '${text}'`);
  return [...new Set(epochs)].sort((a, b) => a - b);
}

/** Markdown: test accuracy per epoch, one row per run, '–' where a run had not reached an epoch. */
export function curveMarkdown(curves: readonly RunCurve[], selection: EpochSelection): string {
  const epochs =
    selection === 'all'
      ? [...new Set(curves.flatMap((c) => c.epochs.map((e) => e.epoch)))].sort((a, b) => a - b)
      : selection;
  const label = configLabels(curves);
  return table(
    ['config', 'seed', ...epochs.map((e) => `ep ${e}`)],
    curves.map((c) => [
      label(c),
      String(c.seed),
      ...epochs.map((e) => pct(c.epochs.find((r) => r.epoch === e)?.testAccuracy ?? null)),
    ]),
  );
}
