import { existsSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { checkTrainingMemory, MemoryLimitError } from '../core/memoryEstimate.ts';
import { threadsFor } from './threads.ts';
import { BUILTIN_MNIST } from '../core/data/builtinMnist.ts';
import { DataFormatError, type RawDataset } from '../core/data/types.ts';
import { ConfigError, taskDatasetName, type ExperimentConfig } from '../core/experiment.ts';
import { builtinMnistDataset } from '../node/builtinMnist.ts';
import { loadDataPath } from '../node/loadData.ts';
import { GpuCommandError, GpuUnavailableError } from '../gpu/device.ts';
import { runGradcheck } from '../core/gradcheck.ts';
import { PRESETS } from '../core/presets.ts';
import { TrainingDivergedError } from '../core/trainer.ts';
import { ReplicaStalledError } from '../core/dataParallel.ts';
import type { GpuFault } from '../gpu/engine/GpuTrainer.ts';
import { checkKnown, intFlag, parseArgs, stringFlag, UsageError } from './args.ts';
import { readCheckpoint, RunOutputError } from './runOutput.ts';
import {
  curveMarkdown,
  groupBySeed,
  parseEpochSelection,
  readCurve,
  readRun,
  reportMarkdown,
} from './report.ts';
import { loadConfig } from './loadConfig.ts';
import { trainRun } from './train.ts';
import { analyzeMarkdown, analyzeRuns } from './analyze.ts';
import {
  EXPORT_FORMATS,
  exportConfig,
  exportSource,
  exportNir,
  exportText,
  nirSummary,
  gapMarkdown,
  roundingGap,
  trainerOf,
  type ExportFormat,
} from './export.ts';
import { writeAtomically } from './runOutput.ts';
import { readoutMarkdown, readoutReport } from './readouts.ts';
import { HARDWARE_TARGETS, targetMaxDelay, type HardwareTarget } from '../core/hardware.ts';
import { PAPER_SPARSITIES } from '../core/structure/ablation.ts';
import {
  MANIFEST_FILE,
  numberList,
  prepareSweep,
  readManifest,
  runSweep,
  slurmScript,
  summariseSweep,
  sweepManifest,
  sweepMarkdown,
} from './sweep.ts';

const HELP = `delaylab: learn synaptic delays in spiking neural networks

Usage:
  delaylab presets                      list the built-in experiment configs
  delaylab train --config <preset | file.json | share link> [--data <dir | file>] [--engine cpu|gpu|auto]
                 [--epochs N] [--seed S] [--threads T] [--out <dir>] [--patience P] [--train-eval N] [--json]
  delaylab train --resume <dir> [--data <dir | file>] [--epochs N] [--patience P] [--train-eval N] [--json]
                                        (--out: checkpoint.dlck, metrics.csv and metrics.json after every
                                         epoch; --resume continues that run where it stopped)
                                        (--threads: default 2 for networks of 100k+ synapses, else 1)
                                        (--patience P: stop once validation accuracy has not improved
                                         for P epochs; the run stays resumable)
                                        (--train-eval N: training accuracy from N training samples (a
                                         random subset) each epoch instead of all of them: a long run's
                                         epochs go faster; validation and test stay whole)
                                        (--data: IDX files, gzip or not, e.g. /usr/share/datasets/fashion-mnist,
                                         or SHD/SSC HDF5 files; for tasks of kind images / events.
                                         Without it, image tasks use the built-in 10,000 MNIST digits)
  delaylab report <run dir>... [--json] a results table of run folders (written by --out): last-epoch
                                        train / validation accuracy, the best-validation model's test
                                        accuracy, the train - validation gap, s / epoch; mean ± sd over seeds
  delaylab report <run dir>... --per-epoch all | E1,E2,...  [--json]
                                        test accuracy of every run at the listed epochs (or all of them)
  delaylab analyze <run dir>... [--permutations K] [--seed S] [--json]
                                        receptive-field structure of two-layer runs: each output neuron's
                                        maximum Moran's I over K random input orders (default 2000), trained
                                        and at the seed's initialisation, and their Mann-Whitney U test
  delaylab sweep --config <dense config> --out <dir> [--sparsities 50,75,87.5,93.75] [--seeds 1,2,3]
                 [--epochs N] [--data <dir | file>] [--processes P] [--slurm] [--json]
                                        the four-way ablation (fixed / learned structure x fixed / learned
                                        delays) at each sparsity and seed: one train process per cell, P at
                                        a time (default: the cores); a folder's finished cells never rerun
                                        (--slurm: write <dir>/sweep.slurm, a job array of one cell per task,
                                         instead of running)
  delaylab sweep --out <dir> [--processes P] [--summary] [--json]
                                        resume that sweep, or (--summary) print its table as it stands
  delaylab export <run dir | model file> --format model|delays-json|delays-csv|nir|gap|readouts [--parameters best|final]
                 [--target unbounded|loihi2|spinnaker] [--excess clamp|reject] [--data <dir | file>] [--out <file>] [--json]
                                        the playground's model file or quantised delay table of a run's
                                        best-validation (default) or last parameters; gap: the rounding-gap
                                        report (test accuracy with the trained kernel, lerp, and integer ring
                                        buffers rounding to the nearest step and down; delays at 0 and Td - 1);
                                        readouts: test accuracy read by first spike (two tie rules), spike
                                        count and membrane, and how many images tie at the first output step;
                                        --target fits a delay table to a chip's delays (Loihi 2: 0-62 steps,
                                        SpiNNaker: 0-15), clamping longer ones (or --excess reject: refusing)
                                        nir: a NIR graph (HDF5, --out needed) of LIF networks, one Linear +
                                        Delay branch per distinct integer delay; prints what that costs
  delaylab gradcheck [--json]           finite-difference check of every gradient (Float64)
  delaylab help

A config file holds a whole experiment config (version 1) or {"extends": "<preset>", ...overrides}.
Progress goes to stderr; --json prints one result object on stdout.`;

const out = (s: string): void => void process.stdout.write(`${s}\n`);
// A reader that stops early (`delaylab export ... | head`) closes the pipe: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const err = (s: string): void => void process.stderr.write(`${s}\n`);

/**
 * The data set a config's task needs: --data from disk, else the built-in digits for the
 * 'mnist-10k' data set; null for tasks that generate their data.
 */
async function datasetFor(
  config: ExperimentConfig,
  dataPath: string | undefined,
  log: (line: string) => void,
): Promise<RawDataset | null> {
  const wanted = taskDatasetName(config.task);
  if (wanted === null) {
    if (dataPath !== undefined) {
      throw new UsageError(
        `--data: the '${config.name}' config's task (${config.task.kind}) generates its own data; --data applies to images and events tasks`,
      );
    }
    return null;
  }
  if (dataPath !== undefined) {
    log(`loading data from ${dataPath}`);
    return loadDataPath(dataPath, log);
  }
  if (wanted === BUILTIN_MNIST.name) {
    log(`loading the built-in ${BUILTIN_MNIST.name} digits`);
    return builtinMnistDataset();
  }
  throw new UsageError(`the task needs the data set '${wanted}': pass --data <dir or file>`);
}

/**
 * DELAYLAB_GPU_FAULT=invalid-dispatch makes every GPU step include a dispatch the device must
 * refuse: the tests use it to check that a failing GPU command ends the run with its message.
 */
function gpuFaultFromEnvironment(): GpuFault | null {
  const fault = process.env['DELAYLAB_GPU_FAULT'];
  if (fault === undefined || fault === '') return null;
  if (fault !== 'invalid-dispatch')
    throw new UsageError(`DELAYLAB_GPU_FAULT must be 'invalid-dispatch', got '${fault}'`);
  return fault;
}

async function main(argv: readonly string[]): Promise<number> {
  // DELAYLAB_CLI_FAULT=internal-error stands in for a bug (the tests check how one is reported).
  if (process.env['DELAYLAB_CLI_FAULT'] === 'internal-error')
    throw new TypeError('deliberate internal error');
  const { command, flags, operands } = parseArgs(argv, ['json', 'help', 'slurm', 'summary']);
  if (command === undefined || command === 'help' || flags.has('help')) {
    out(HELP);
    return command === undefined && !flags.has('help') ? 2 : 0;
  }
  const json = flags.get('json') === true;
  if (!['presets', 'gradcheck', 'train', 'report', 'analyze', 'sweep', 'export'].includes(command))
    throw new UsageError(`unknown command '${command}' (try: delaylab help)`);
  if (command !== 'report' && command !== 'analyze' && command !== 'export' && operands.length > 0)
    throw new UsageError(`unexpected argument '${operands[0]}'`);
  switch (command) {
    case 'report': {
      checkKnown(flags, ['json', 'per-epoch']);
      if (operands.length === 0)
        throw new UsageError('report needs one or more run folders (written by train --out)');
      const perEpoch = stringFlag(flags, 'per-epoch', "'all' or a comma list of epochs");
      if (perEpoch !== undefined) {
        const selection = parseEpochSelection(perEpoch);
        const curves = operands.map(readCurve);
        out(json ? JSON.stringify({ runs: curves }) : curveMarkdown(curves, selection));
        return 0;
      }
      const rows = operands.map(readRun);
      out(json ? JSON.stringify({ runs: rows, configs: groupBySeed(rows) }) : reportMarkdown(rows));
      return 0;
    }
    case 'analyze': {
      checkKnown(flags, ['json', 'permutations', 'seed']);
      if (operands.length === 0)
        throw new UsageError('analyze needs one or more run folders (written by train --out)');
      const result = analyzeRuns(
        operands,
        { permutations: intFlag(flags, 'permutations', 1) ?? 2000, seed: intFlag(flags, 'seed', 0) ?? 0 },
        err,
      );
      out(json ? JSON.stringify(result) : analyzeMarkdown(result));
      return 0;
    }
    case 'sweep': {
      checkKnown(flags, [
        'config',
        'out',
        'sparsities',
        'seeds',
        'epochs',
        'data',
        'processes',
        'slurm',
        'summary',
        'json',
      ]);
      const outDir = stringFlag(flags, 'out', 'a folder for the sweep');
      if (outDir === undefined)
        throw new UsageError('sweep needs --out <folder> (its cells are run folders inside it)');
      if (existsSync(outDir) && !statSync(outDir).isDirectory())
        throw new UsageError(`--out ${outDir}: is a file, not a folder`);
      const spec = stringFlag(flags, 'config', 'a dense config (preset, file or share link)');
      let manifest = readManifest(outDir);
      if (spec !== undefined) {
        const dataFlag = stringFlag(flags, 'data', 'a directory or file');
        const wanted = sweepManifest({
          base: loadConfig(spec),
          sparsities: numberList(
            stringFlag(flags, 'sparsities', 'a list') ?? PAPER_SPARSITIES.join(','),
            'sparsities',
            false,
          ),
          seeds: numberList(stringFlag(flags, 'seeds', 'a list') ?? '1,2,3', 'seeds', true),
          epochs: intFlag(flags, 'epochs', 1),
          data: dataFlag ?? null,
        });
        prepareSweep(outDir, wanted);
        manifest = wanted;
      } else {
        for (const f of ['sparsities', 'seeds', 'epochs', 'data'])
          if (flags.has(f)) throw new UsageError(`--${f} belongs to a new sweep: give --config too`);
      }
      if (!manifest)
        throw new UsageError(
          `${join(outDir, MANIFEST_FILE)} does not exist: start a sweep with --config <dense config>`,
        );
      if (flags.get('slurm') === true) {
        const script = join(outDir, 'sweep.slurm');
        writeFileSync(script, slurmScript(outDir, manifest), { mode: 0o755 });
        out(
          json
            ? JSON.stringify({ script, cells: manifest.cells.length })
            : `wrote ${script} (${manifest.cells.length} array tasks): sbatch ${script}`,
        );
        return 0;
      }
      let failed: string[] = [];
      if (flags.get('summary') !== true) {
        const processes = intFlag(flags, 'processes', 1) ?? availableParallelism();
        failed = (await runSweep(outDir, manifest, processes, err)).failed;
      }
      const summary = summariseSweep(outDir, manifest);
      out(json ? JSON.stringify({ ...summary, failed }) : sweepMarkdown(summary));
      if (failed.length > 0) err(`delaylab: ${failed.length} cell(s) failed: ${failed.join(', ')}`);
      return failed.length > 0 ? 1 : 0;
    }
    case 'export': {
      checkKnown(flags, ['format', 'parameters', 'data', 'out', 'json', 'target', 'excess']);
      if (operands.length !== 1)
        throw new UsageError('export takes one run folder (written by train --out) or model file');
      const path = operands[0]!;
      const format = stringFlag(flags, 'format', EXPORT_FORMATS.join(' | '));
      if (!EXPORT_FORMATS.includes(format as ExportFormat))
        throw new UsageError(`--format must be ${EXPORT_FORMATS.join(', ')}, got '${String(format)}'`);
      const parameters = stringFlag(flags, 'parameters', 'best or final') ?? 'best';
      if (parameters !== 'best' && parameters !== 'final')
        throw new UsageError(`--parameters must be best or final, got '${parameters}'`);
      const { config, dataset } = exportConfig(path);
      const dataFlag = stringFlag(flags, 'data', 'a directory or file');
      // The data set is loaded only where it is needed: the gap report's test split, and the
      // schedules that give the kernel width of a model export (delay tables and NIR graphs hold
      // quantised delays, which do not depend on it).
      const needsData = format === 'gap' || format === 'readouts' || format === 'model';
      const loaded = needsData ? await datasetFor(config, dataFlag, err) : null;
      // The built-in digits stand in for a config's images unless --data says otherwise: a run
      // trained on other files must get them back (its schedules and test split are theirs).
      if (needsData && dataset !== null && (loaded?.name ?? null) !== dataset)
        throw new UsageError(
          `export: the run trained on '${dataset}', but the data now is '${loaded?.name ?? 'generated data'}': pass --data <its files>`,
        );
      const source = exportSource(path, parameters, () => trainerOf(config, loaded));
      const outPath = stringFlag(flags, 'out', 'a file');
      if (format === 'gap' || format === 'readouts') {
        const report = format === 'gap' ? roundingGap(source, loaded) : readoutReport(source, loaded);
        const text = json
          ? JSON.stringify(report)
          : 'edges' in report
            ? gapMarkdown(report)
            : readoutMarkdown(report);
        if (outPath) writeAtomically(outPath, `${text}\n`);
        else out(text);
        return 0;
      }
      const target =
        stringFlag(flags, 'target', HARDWARE_TARGETS.map((t) => t.value).join(' | ')) ?? 'unbounded';
      if (!HARDWARE_TARGETS.some((t) => t.value === target))
        throw new UsageError(
          `--target must be ${HARDWARE_TARGETS.map((t) => t.value).join(', ')}, got '${target}'`,
        );
      const excess = stringFlag(flags, 'excess', 'clamp or reject') ?? 'clamp';
      if (excess !== 'clamp' && excess !== 'reject')
        throw new UsageError(`--excess must be clamp or reject, got '${excess}'`);
      if (format === 'nir') {
        if (!outPath)
          throw new UsageError('export --format nir writes a binary HDF5 file: give --out <file.nir>');
        const result = await exportNir(source, target as HardwareTarget, excess);
        if (result.clamped.some((n) => n > 0))
          err(
            `export: ${result.clamped.join(' + ')} delays clamped to ${target}'s largest (${targetMaxDelay(target as HardwareTarget)} steps)`,
          );
        writeAtomically(outPath, result.bytes);
        err(`export: wrote the ${source.what} as a NIR graph to ${outPath}`);
        if (json)
          out(
            JSON.stringify({
              file: outPath,
              ...result.size,
              bytes: result.bytes.length,
              branches: result.branches,
              clamped: result.clamped,
            }),
          );
        else err(nirSummary(result));
        return 0;
      }
      const { text, clamped } = exportText(
        source,
        format as Exclude<ExportFormat, 'gap' | 'readouts' | 'nir'>,
        loaded,
        target as HardwareTarget,
        excess,
      );
      if (clamped.some((n) => n > 0))
        err(
          `export: ${clamped.join(' + ')} delays clamped to ${target}'s largest (${targetMaxDelay(target as HardwareTarget)} steps)`,
        );
      if (outPath) {
        writeAtomically(outPath, text.endsWith('\n') ? text : `${text}\n`);
        err(`export: wrote the ${source.what} to ${outPath}`);
      } else out(text);
      return 0;
    }
    case 'presets': {
      checkKnown(flags, ['json']);
      const rows = Object.values(PRESETS).map((p) => ({ name: p.name, description: p.description }));
      if (json) out(JSON.stringify(rows));
      else for (const r of rows) out(`${r.name.padEnd(14)} ${r.description}`);
      return 0;
    }
    case 'gradcheck': {
      checkKnown(flags, ['json', 'seed']);
      const report = runGradcheck(intFlag(flags, 'seed', 0) ?? 7);
      if (json) {
        out(JSON.stringify(report));
      } else {
        for (const c of report.cases) {
          out(
            `${c.neuron.padEnd(22)} ${c.kernel.padEnd(15)} ${c.loss.padEnd(15)} ${c.param.padEnd(8)} ${c.maxRelError.toExponential(2)}`,
          );
        }
        out(`${report.cases.length} cases, max relative error ${report.maxRelError.toExponential(2)}`);
      }
      return report.maxRelError < 1e-4 ? 0 : 1;
    }
    case 'train': {
      checkKnown(flags, [
        'config',
        'data',
        'engine',
        'epochs',
        'seed',
        'threads',
        'out',
        'resume',
        'json',
        'patience',
        'train-eval',
      ]);
      const spec = flags.get('config');
      const resumeDir = stringFlag(flags, 'resume', 'a run folder written by --out');
      const outDir = stringFlag(flags, 'out', 'a folder for the checkpoint and metrics') ?? resumeDir ?? null;
      // Checked before any training, so a bad --out costs no epoch (and gives no stack trace).
      if (outDir !== null && existsSync(outDir) && !statSync(outDir).isDirectory()) {
        throw new UsageError(`--out ${outDir}: is a file, not a folder`);
      }
      if (resumeDir !== undefined && spec !== undefined) {
        throw new UsageError('--resume takes the config from the checkpoint; leave out --config');
      }
      if (typeof spec !== 'string' && resumeDir === undefined)
        throw new UsageError(
          'train needs --config <preset name | path to config JSON | share link> (or --resume <run folder>)',
        );
      const engine = flags.get('engine') ?? 'cpu';
      if (engine !== 'cpu' && engine !== 'gpu' && engine !== 'auto')
        throw new UsageError(`--engine must be cpu, gpu or auto, got '${String(engine)}'`);
      const resume = resumeDir === undefined ? null : readCheckpoint(resumeDir);
      const config = resume ? resume.config : loadConfig(spec as string);
      const seed = intFlag(flags, 'seed', 0);
      if (seed !== undefined) {
        if (resume) throw new UsageError('--seed cannot change a resumed run');
        config.seed = seed;
      }
      const patience = intFlag(flags, 'patience', 1) ?? null;
      const trainEvalLimit = intFlag(flags, 'train-eval', 1) ?? null;
      if (patience !== null && config.training.validationFraction === 0)
        throw new UsageError(
          '--patience watches validation accuracy, and this config keeps no validation split',
        );
      const epochs = intFlag(flags, 'epochs', 1) ?? config.training.epochs;
      // The checkpoint records the run's length: a resumed run keeps its schedules.
      config.training.epochs = epochs;
      const threads = threadsFor(config, intFlag(flags, 'threads', 1), availableParallelism(), err);
      // Before the data or any array: a config that cannot fit is refused with the estimate.
      const limit = 0.8 * totalmem();
      checkTrainingMemory(config, { precision: 'f32', threads }, limit, "(80 % of this machine's memory)");
      const dataFlag = flags.get('data');
      if (dataFlag === true) throw new UsageError('--data needs a directory or file');
      const raw = await datasetFor(config, dataFlag, err);
      if (resume && (raw?.name ?? null) !== resume.dataset) {
        throw new UsageError(
          `--resume: the run trained on '${resume.dataset ?? 'generated data'}', but the data now is '${raw?.name ?? 'generated data'}'`,
        );
      }
      const summary = await trainRun(config, {
        engine,
        threads,
        log: err,
        raw,
        files: { out: outDir, resume, dataset: raw?.name ?? null },
        gpuFault: gpuFaultFromEnvironment(),
        patience,
        trainEvalLimit,
      });
      out(json ? JSON.stringify(summary) : JSON.stringify(summary, null, 2));
      return 0;
    }
    default:
      throw new UsageError(`unknown command '${command}' (try: delaylab help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (
      e instanceof UsageError ||
      e instanceof ConfigError ||
      e instanceof DataFormatError ||
      e instanceof MemoryLimitError
    ) {
      err(`delaylab: ${e.message}`);
      process.exitCode = 2;
    } else if (
      e instanceof GpuUnavailableError ||
      e instanceof GpuCommandError ||
      e instanceof RunOutputError ||
      e instanceof ReplicaStalledError ||
      // A split optimiser step torn by a stalled thread.
      (e instanceof Error && e.cause instanceof ReplicaStalledError)
    ) {
      err(`delaylab: ${e.message}`);
      process.exitCode = 1;
    } else if (e instanceof TrainingDivergedError || (e instanceof Error && /not finite/.test(e.message))) {
      err(`delaylab: ${e.message}`);
      process.exitCode = 1;
    } else {
      // A bug, not a user error: one line, and the whole trace in a file for the report.
      const trace = join(tmpdir(), `delaylab-error-${process.pid}-${Date.now()}.txt`);
      const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
      let where = `the full trace is in ${trace}`;
      try {
        writeFileSync(trace, `${text}\n`);
      } catch {
        where = `the trace could not be written to ${tmpdir()}: ${text}`;
      }
      err(`delaylab: unexpected error: ${e instanceof Error ? e.message : String(e)} (${where})`);
      process.exitCode = 70;
    }
  },
);
