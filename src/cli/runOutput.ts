import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
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

/** A write of the run folder failed (full disk, no permission): one line for the user. */
export class RunOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunOutputError';
  }
}

function describeWriteFailure(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return `cannot write ${path}: the disk is full`;
  if (code === 'EDQUOT') return `cannot write ${path}: the disk quota is used up`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot write ${path}: permission denied`;
  return `cannot write ${path} (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/**
 * Writes a file by way of a temporary name, so a crash mid-write never leaves half a file: the
 * data is flushed to the disk (fsync) before the rename, and the folder after it, so that a power
 * loss leaves the old file or the new one, never a renamed empty one. On failure the temporary
 * file is removed and the old file stays as it was.
 */
export function writeAtomically(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new RunOutputError(describeWriteFailure(path, e));
  }
  syncFolder(dirname(path));
}

/** fsync of a folder makes a rename inside it durable (where the platform allows it). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a folder; the file itself is already on disk.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Writes the checkpoint and the per-epoch metrics into `dir` (created if missing). */
export function writeRunOutput(dir: string, checkpoint: Checkpoint, history: readonly EpochRecord[]): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new RunOutputError(describeWriteFailure(dir, e));
  }
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
