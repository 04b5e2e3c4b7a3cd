import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ablationCells,
  ablationTable,
  modelLabel,
  type AblationModel,
  type AblationTableRow,
  type CellResult,
} from '../core/structure/ablation.ts';
import { markdownTable } from '../core/analysis/markdownTable.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import { encodeShareLink } from '../core/shareLink.ts';
import { UsageError } from './args.ts';
import { readRun } from './report.ts';
import { CHECKPOINT_FILE, METRICS_CSV, readCheckpoint, writeAtomically } from './runOutput.ts';

/**
 * `delaylab sweep`: the four-way structure x delay ablation (core/structure/ablation.ts) as one
 * folder of runs. Every cell is an independent `delaylab train` process whose config travels as
 * its share link; `sweep.json` lists them, so a second call (or a Slurm array task) picks up
 * where the first stopped: a finished cell is never rerun, a cell with a checkpoint resumes.
 */

export const MANIFEST_FILE = 'sweep.json';
const MANIFEST_VERSION = 1;
/** The `delaylab` launcher the cells run (its path is absolute in the Slurm script). */
const DELAYLAB_JS = fileURLToPath(new URL('./delaylab.js', import.meta.url));

export interface SweepCellEntry {
  name: string;
  model: AblationModel;
  sparsity: number;
  seed: number;
  /** The cell's whole config as a share link (`train --config` reads it). */
  link: string;
}

export interface SweepManifest {
  version: typeof MANIFEST_VERSION;
  base: string;
  epochs: number;
  sparsities: number[];
  seeds: number[];
  /** `--data` of every cell (absolute), or null for generated data and the built-in digits. */
  data: string | null;
  cells: SweepCellEntry[];
}

export interface SweepOptions {
  base: ExperimentConfig;
  sparsities: readonly number[];
  seeds: readonly number[];
  epochs?: number | undefined;
  data: string | null;
}

/** The manifest of a new sweep: every cell's config as a share link. */
export function sweepManifest(options: SweepOptions): SweepManifest {
  const cells = ablationCells(options.base, options);
  return {
    version: MANIFEST_VERSION,
    base: options.base.name,
    epochs: options.epochs ?? options.base.training.epochs,
    sparsities: [...options.sparsities],
    seeds: [...options.seeds],
    data: options.data === null ? null : resolve(options.data),
    cells: cells.map((c) => ({
      name: c.name,
      model: c.model,
      sparsity: c.sparsity,
      seed: c.seed,
      link: encodeShareLink(c.config),
    })),
  };
}

export function readManifest(out: string): SweepManifest | null {
  const path = join(out, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON (${(e as Error).message}): move it away to start over`);
  }
  const m = parsed as Partial<SweepManifest> | null;
  if (!m || m.version !== MANIFEST_VERSION || !Array.isArray(m.cells))
    throw new UsageError(`${path} is not a version ${MANIFEST_VERSION} sweep manifest`);
  return m as SweepManifest;
}

/**
 * Writes the manifest of a new sweep into `out`, or checks that the one there is the same sweep
 * (so a resumed sweep cannot silently mix two experiments' runs in one table).
 */
export function prepareSweep(out: string, manifest: SweepManifest): void {
  const existing = readManifest(out);
  if (existing) {
    if (JSON.stringify(existing) !== JSON.stringify(manifest))
      throw new UsageError(
        `${out} holds a different sweep ('${existing.base}', ${existing.cells.length} cells): give another --out, or leave out --config to resume that one`,
      );
    return;
  }
  mkdirSync(out, { recursive: true });
  writeAtomically(join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 1)}\n`);
}

export type CellStatus = 'finished' | 'started' | 'new';

/**
 * Whether a cell's run folder holds the sweep's `epochs`, fewer, or nothing yet (a run's own
 * record of its length is not trusted: a cell started by hand with another --epochs still
 * trains to the sweep's).
 */
export function cellStatus(out: string, cell: SweepCellEntry, epochs: number): CellStatus {
  const dir = join(out, cell.name);
  if (!existsSync(join(dir, CHECKPOINT_FILE))) return 'new';
  const checkpoint = readCheckpoint(dir, `sweep cell ${cell.name}`);
  return checkpoint.history.length >= epochs ? 'finished' : 'started';
}

/** The `delaylab` arguments that run (or resume) one cell, one thread each. */
export function cellArguments(
  out: string,
  cell: SweepCellEntry,
  manifest: SweepManifest,
  status: CellStatus,
): string[] {
  const dir = join(out, cell.name);
  const source =
    status === 'new'
      ? ['--config', cell.link, '--out', dir]
      : ['--resume', dir, '--epochs', String(manifest.epochs)];
  const data = manifest.data === null ? [] : ['--data', manifest.data];
  return ['train', ...source, '--threads', '1', '--json', ...data];
}

function runCell(
  out: string,
  cell: SweepCellEntry,
  manifest: SweepManifest,
  status: CellStatus,
): Promise<number> {
  const dir = join(out, cell.name);
  mkdirSync(dir, { recursive: true });
  // The run's progress (stderr) and its summary (stdout) stay with it, for a failed cell's story.
  const log = openSync(join(dir, 'train.log'), 'a');
  const summary = openSync(join(dir, 'train.json'), 'w');
  return new Promise<number>((done) => {
    const child = spawn(process.execPath, [DELAYLAB_JS, ...cellArguments(out, cell, manifest, status)], {
      stdio: ['ignore', summary, log],
    });
    const finish = (code: number): void => {
      closeSync(log);
      closeSync(summary);
      done(code);
    };
    child.on('error', () => finish(127));
    child.on('exit', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

export interface SweepRunResult {
  ran: number;
  skipped: number;
  failed: string[];
}

/**
 * Runs every unfinished cell, `processes` at a time (each a `delaylab train` process with one
 * thread), in manifest order; progress on `log`. A failing cell is listed, not fatal to the rest.
 */
export async function runSweep(
  out: string,
  manifest: SweepManifest,
  processes: number,
  log: (line: string) => void,
): Promise<SweepRunResult> {
  const todo = manifest.cells
    .map((cell) => ({ cell, status: cellStatus(out, cell, manifest.epochs) }))
    .filter((c) => c.status !== 'finished');
  const skipped = manifest.cells.length - todo.length;
  log(
    `sweep '${manifest.base}': ${manifest.cells.length} cells, ${skipped} already finished, ${todo.length} to run, ${Math.min(processes, todo.length)} at a time`,
  );
  const failed: string[] = [];
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const { cell, status } = todo[next++]!;
      const started = performance.now();
      log(`  ${status === 'started' ? 'resuming' : 'starting'} ${cell.name}`);
      const code = await runCell(out, cell, manifest, status);
      finished++;
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      let row: ReturnType<typeof readRun> | null = null;
      let why = `exit ${code}`;
      if (code === 0) {
        try {
          row = readRun(join(out, cell.name));
        } catch (e) {
          why = `its run folder cannot be read: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      if (row) {
        const test = row.testAccuracy === null ? '–' : `${(100 * row.testAccuracy).toFixed(1)} %`;
        log(`  [${finished}/${todo.length}] ${cell.name}: test ${test} (${seconds} s)`);
      } else {
        failed.push(cell.name);
        log(
          `  [${finished}/${todo.length}] ${cell.name} FAILED (${why}): see ${join(out, cell.name, 'train.log')}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(processes, todo.length)) }, worker));
  const order = new Map(manifest.cells.map((c, k) => [c.name, k]));
  failed.sort((a, b) => order.get(a)! - order.get(b)!);
  return { ran: todo.length, skipped, failed };
}

export interface SweepSummary {
  base: string;
  epochs: number;
  sparsities: number[];
  seeds: number[];
  finished: number;
  cells: number;
  table: AblationTableRow[];
  results: (CellResult & { name: string })[];
}

/** The finished cells' test accuracies (best-validation model, as `report`) and their table. */
export function summariseSweep(out: string, manifest: SweepManifest): SweepSummary {
  const results: SweepSummary['results'] = [];
  for (const cell of manifest.cells) {
    if (cellStatus(out, cell, manifest.epochs) !== 'finished') continue;
    const row = readRun(join(out, cell.name));
    if (row.testAccuracy === null) continue;
    results.push({
      name: cell.name,
      model: cell.model,
      sparsity: cell.sparsity,
      seed: cell.seed,
      testAccuracy: row.testAccuracy,
    });
  }
  const models = [
    ...new Map(manifest.cells.map((c) => [`${c.model.structure}/${c.model.delays}`, c.model])).values(),
  ];
  return {
    base: manifest.base,
    epochs: manifest.epochs,
    sparsities: manifest.sparsities,
    seeds: manifest.seeds,
    finished: results.length,
    cells: manifest.cells.length,
    table: ablationTable(results, manifest.sparsities, models),
    results,
  };
}

/** Markdown: one row per model, one column per sparsity, mean ± sd test % over seeds (n). */
export function sweepMarkdown(summary: SweepSummary): string {
  const header = ['model', ...summary.sparsities.map((s) => `${s} % sparse`)];
  const rows = summary.table.map((r) => [
    modelLabel(r.model),
    ...r.cells.map((c) =>
      c.mean === null
        ? '–'
        : `${(100 * c.mean).toFixed(1)}${c.std === null ? '' : ` ± ${(100 * c.std).toFixed(1)}`} (${c.n})`,
    ),
  ]);
  return [
    `'${summary.base}', ${summary.epochs} epochs, seeds ${summary.seeds.join(', ')}: test % of the best-validation model, mean ± sd (seeds); ${summary.finished} of ${summary.cells} cells finished`,
    '',
    markdownTable(header, rows),
  ].join('\n');
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A Slurm job-array script: task K runs cell K as `delaylab train --config <its share link>`,
 * or `--resume` when its folder already holds a checkpoint; a cell whose metrics.csv lists all
 * the epochs returns at once.
 * The same folder then reads back with `delaylab sweep --out <dir> --summary`.
 */
export function slurmScript(out: string, manifest: SweepManifest): string {
  const dir = resolve(out);
  if (/[\n\r]/.test(dir))
    throw new UsageError(
      `--out ${JSON.stringify(dir)}: a folder for a Slurm script cannot contain a line break`,
    );
  // The config name goes into a comment and the job name: only plain characters (a name from a
  // hand-made link could otherwise end the comment line and become a command).
  const name = manifest.base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60) || 'sweep';
  const delaylab = `${shellQuote(process.execPath)} ${shellQuote(DELAYLAB_JS)}`;
  const data = manifest.data === null ? '' : ` --data ${shellQuote(manifest.data)}`;
  return `#!/bin/bash
# delaylab sweep '${name}': ${manifest.cells.length} cells, one per array task.
# Submit: sbatch ${shellQuote(join(dir, 'sweep.slurm'))}    Table: delaylab sweep --out ${shellQuote(dir)} --summary
#SBATCH --job-name=delaylab-${name}
#SBATCH --array=0-${manifest.cells.length - 1}
#SBATCH --cpus-per-task=1
#SBATCH --output="${dir.replace(/["\\]/g, '_')}/slurm-%A_%a.log"
set -euo pipefail
NAMES=(
${manifest.cells.map((c) => `  ${shellQuote(c.name)}`).join('\n')}
)
LINKS=(
${manifest.cells.map((c) => `  ${shellQuote(c.link)}`).join('\n')}
)
K=\${SLURM_ARRAY_TASK_ID:?run this script with sbatch (or set SLURM_ARRAY_TASK_ID)}
RUN=${shellQuote(dir)}/\${NAMES[$K]}
if [ -s "$RUN/${METRICS_CSV}" ] && [ $(($(wc -l < "$RUN/${METRICS_CSV}") - 1)) -ge ${manifest.epochs} ]; then
  echo "$RUN: all ${manifest.epochs} epochs are done"
  exit 0
elif [ -s "$RUN/${CHECKPOINT_FILE}" ]; then
  exec ${delaylab} train --resume "$RUN" --epochs ${manifest.epochs} --threads 1 --json${data}
else
  exec ${delaylab} train --config "\${LINKS[$K]}" --out "$RUN" --threads 1 --json${data}
fi
`;
}

/** `--sparsities 50,75` / `--seeds 1,2,3` as numbers, with errors naming the flag. */
export function numberList(text: string, flag: string, integers: boolean): number[] {
  const values = text.split(',').map((s) => s.trim());
  const numbers = values.map(Number);
  if (
    values.some((s) => s === '') ||
    numbers.some((n) => !Number.isFinite(n) || (integers && !Number.isInteger(n)))
  )
    throw new UsageError(
      `--${flag} takes a comma-separated list of ${integers ? 'integers' : 'numbers'}, got '${text}'`,
    );
  if (new Set(numbers).size !== numbers.length)
    throw new UsageError(`--${flag} lists a value twice: '${text}'`);
  return numbers;
}
