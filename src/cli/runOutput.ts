import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../core/checkpoint.ts';
import type { EpochRecord } from '../core/runRecord.ts';
import { UsageError } from './args.ts';

export type { EpochRecord };

export const CHECKPOINT_FILE = 'checkpoint.dlck';
export const METRICS_CSV = 'metrics.csv';
export const METRICS_JSON = 'metrics.json';

const COLUMNS = [
  'epoch',
  'trainLoss',
  'trainAccuracy',
  'validationLoss',
  'validationAccuracy',
  'testLoss',
  'testAccuracy',
  'sigma',
  'ms',
  'trainSamplesPerSecond',
] as const;

/** The history as CSV: one header line, one line per epoch, empty cells for missing values. */
export function metricsCsv(history: readonly EpochRecord[]): string {
  // Empty cells for missing values (e.g. throughput in epochs written before it was recorded).
  const cell = (v: number | null | undefined): string =>
    v === null || v === undefined ? '' : String(Number(v.toPrecision(6)));
  const lines = history.map((r) => COLUMNS.map((c) => cell(r[c])).join(','));
  return `${COLUMNS.join(',')}\n${lines.join('\n')}\n`;
}

/** Writes a file by way of a temporary name, so a crash mid-write never leaves half a file. */
function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Writes the checkpoint and the per-epoch metrics into `dir` (created if missing). */
export function writeRunOutput(dir: string, checkpoint: Checkpoint, history: readonly EpochRecord[]): void {
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, CHECKPOINT_FILE), encodeCheckpoint(checkpoint));
  writeAtomically(join(dir, METRICS_CSV), metricsCsv(history));
  writeAtomically(join(dir, METRICS_JSON), `${JSON.stringify(history, null, 1)}\n`);
}

/**
 * Reads `dir`'s checkpoint (to resume or report a run); a missing or corrupt one is a usage
 * error naming it, after `context` (e.g. '--resume').
 */
export function readCheckpoint(dir: string, context = '--resume'): Checkpoint {
  const path = join(dir, CHECKPOINT_FILE);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(
      `${context}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  return decodeCheckpoint(bytes, path);
}
