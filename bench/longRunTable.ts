/**
 * The README's long-run tables from the per-epoch records committed in bench/long-runs/. A long
 * run's folder (its 20 MB checkpoint) does not outlive the machine it ran on, so each run's
 * metrics.csv is committed as bench/long-runs/<preset>-seed<seed>.csv and the tables are made
 * from those files:
 *
 *   npx tsx bench/longRunTable.ts bench/long-runs/*.csv [--per-epoch 1,2,4,8,12,...]
 *
 * Prints two markdown tables: one row per run (epochs, last train / validation accuracy, test
 * accuracy at the best-validation epoch, the best test of any epoch, wall time as epochs x the
 * median epoch, the median epoch in s, the paper's figure), then test accuracy at chosen epochs.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { markdownTable as table } from '../src/core/analysis/markdownTable.ts';

/** The paper's test accuracy (%) on Fashion-MNIST, by kind of training (Table 1). */
const PAPER_TEST_PERCENT: readonly [pattern: RegExp, percent: string][] = [
  [/ternary/, '86.23'],
  [/^weights-only/, '86.8'],
  [/^delay-only/, '86.6'],
];

interface Epoch {
  epoch: number;
  trainAccuracy: number;
  validationAccuracy: number;
  testAccuracy: number;
  ms: number;
}

interface LongRun {
  preset: string;
  seed: number;
  epochs: Epoch[];
}

function readLongRun(path: string): LongRun {
  const match = /^(.+)-seed(\d+)\.csv$/.exec(basename(path));
  if (!match) throw new Error(`${path}: expected a name <preset>-seed<seed>.csv`);
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const column = (name: string): number => {
    const c = columns.indexOf(name);
    if (c < 0) throw new Error(`${path}: no column '${name}'`);
    return c;
  };
  const [e, tr, va, te, ms] = ['epoch', 'trainAccuracy', 'validationAccuracy', 'testAccuracy', 'ms'].map(
    column,
  );
  const epochs = lines.map((line) => {
    const cells = line.split(',').map(Number);
    return {
      epoch: cells[e!]!,
      trainAccuracy: cells[tr!]!,
      validationAccuracy: cells[va!]!,
      testAccuracy: cells[te!]!,
      ms: cells[ms!]!,
    };
  });
  if (epochs.length === 0) throw new Error(`${path}: no finished epoch`);
  return { preset: match[1]!, seed: Number(match[2]), epochs };
}

const pct = (x: number): string => (100 * x).toFixed(1);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function summaryRow(run: LongRun): string[] {
  const last = run.epochs[run.epochs.length - 1]!;
  // The best-validation epoch is the first to reach the highest validation accuracy, as the
  // trainer's early stop (--patience) counts improvements.
  const best = run.epochs.reduce((b, r) => (r.validationAccuracy > b.validationAccuracy ? r : b));
  const bestTest = Math.max(...run.epochs.map((r) => r.testAccuracy));
  // Epochs x the median epoch: a run paused for a while (while CI used the cores) would
  // otherwise count the pause in the epoch it fell in.
  const medianMs = median(run.epochs.map((r) => r.ms));
  const wallMinutes = (run.epochs.length * medianMs) / 60_000;
  const paper = PAPER_TEST_PERCENT.find(([p]) => p.test(run.preset))?.[1] ?? '–';
  return [
    `\`${run.preset}\`, ${run.seed}`,
    String(last.epoch),
    pct(last.trainAccuracy),
    pct(last.validationAccuracy),
    `${(100 * best.testAccuracy).toFixed(2)} (${best.epoch})`,
    pct(bestTest),
    wallMinutes.toFixed(0),
    (medianMs / 1000).toFixed(0),
    paper,
  ];
}

function main(argv: readonly string[]): void {
  const at = argv.indexOf('--per-epoch');
  const files = argv.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  const runs = files.map(readLongRun);
  if (runs.length === 0)
    throw new Error('usage: npx tsx bench/longRunTable.ts <preset>-seed<seed>.csv... [--per-epoch 1,2,4]');
  const longest = Math.max(...runs.map((r) => r.epochs.length));
  const perEpoch =
    at >= 0
      ? argv[at + 1]!.split(',').map(Number)
      : [1, 2, 4, ...Array.from({ length: Math.floor(longest / 4) - 1 }, (_, i) => 8 + 4 * i)];
  console.log(
    table(
      [
        'preset, seed',
        'epochs',
        'train % (last)',
        'val % (last)',
        'test % (best val, epoch)',
        'best test % of any epoch',
        'wall time, min (epochs x median)',
        's / epoch',
        'paper test %',
      ],
      runs.map(summaryRow),
    ),
  );
  console.log('\nTest accuracy per epoch (%):\n');
  console.log(
    table(
      ['preset', 'seed', ...perEpoch.map((e) => `ep ${e}`)],
      runs.map((run) => [
        `\`${run.preset}\``,
        String(run.seed),
        ...perEpoch.map((e) => {
          const r = run.epochs.find((x) => x.epoch === e);
          return r ? pct(r.testAccuracy) : '–';
        }),
      ]),
    ),
  );
}

main(process.argv.slice(2));
