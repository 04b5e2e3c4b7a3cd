import type { EpochRecord } from '../runRecord.ts';

/** A run's name, seed and per-epoch history, as the comparison exports them. */
export interface RunHistory {
  name: string;
  seed: number;
  history: readonly EpochRecord[];
}

const COLUMNS = [
  'run',
  'seed',
  'epoch',
  'train_loss',
  'train_accuracy',
  'validation_loss',
  'validation_accuracy',
  'test_loss',
  'test_accuracy',
  'sigma',
  'epoch_ms',
] as const;

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function field(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Every epoch of every run, one row each (accuracies as fractions, empty where not measured). */
export function runsCsv(runs: readonly RunHistory[]): string {
  const rows = runs.flatMap((r) =>
    r.history.map((e) =>
      [
        r.name,
        r.seed,
        e.epoch,
        e.trainLoss,
        e.trainAccuracy,
        e.validationLoss,
        e.validationAccuracy,
        e.testLoss,
        e.testAccuracy,
        e.sigma,
        Math.round(e.ms),
      ]
        .map(field)
        .join(','),
    ),
  );
  return [COLUMNS.join(','), ...rows].join('\n') + '\n';
}
