/**
 * GPU correctness on the adapter at hand, meant for a lent machine with a real GPU (run.sh runs
 * it before the timings): the kernel checks of the browser's gpu-check page, then every preset
 * the GPU engine takes (the toy tasks aside) trained 2 steps on the GPU and on the CPU engine
 * (float32) from the same seed, at the preset's own batch and time steps (`shd` at its batch of
 * 256 runs its hidden layers as a two-dimensional grid). Losses at each step and every trained
 * gradient at the first step must agree (presetParity.ts's tolerances).
 *
 * `shd-bench` (700 inputs spiking at 8 % per step) is left at its batch of 32. On an H200 its
 * first-step gradients differ from the CPU engine's by 2.4e-5 of their largest element at batch
 * 32, 4.6e-4 at 48, 3.5e-4 at 64, then by about 1 / batch (1.1e-2 at 96, 4.1e-3 at 256): the
 * same with 1-D and 2-D grids (128 and 160 against 192 and 256), on
 * another seed and on a repeat, while the first loss agrees to 5e-6. That pattern fits float32
 * rounding flipping a hidden spike in the odd sample (whose whole gradient then changes, about
 * 1 / batch of the mean) rather than a dispatch bug; comparing both engines' hidden spikes, which
 * the GPU trainer does not read back yet, would settle it. `--cases shd-bench:256` reruns it.
 *
 *   node parity.mjs [--presets a,b | --cases name:batch,...] [--seed S] [--allow-software]
 *
 * --cases runs exactly the given presets at the given batches (for chasing a disagreement across
 * batch sizes); --seed replaces each config's seed (another draw of the initial parameters and data).
 *
 * One JSON line per check on stdout, a table on stderr; exit 1 when anything disagrees, 2 when
 * there is no hardware adapter (unless --allow-software, for testing without a GPU), no adapter at
 * all, or an option it cannot take (an unknown preset, a toy or EventProp one, a bad batch or seed).
 */
import { markdownTable } from '../../src/core/analysis/markdownTable.ts';
import { PRESETS } from '../../src/core/presets.ts';
import { checkKnown, parseArgs } from '../../src/cli/args.ts';
import { openDevice, type GpuTrouble } from '../../src/gpu/device.ts';
import { describeAdapter, gpuUnsupportedReason, isSoftwareAdapter } from '../../src/gpu/engine/GpuEngine.ts';
import { runGpuCheck } from '../../src/gpu/check/parity.ts';
import {
  atPresetShape,
  parityHolds,
  presetParity,
  type PresetParity,
} from '../../src/gpu/check/presetParity.ts';
import { dawnGpu } from '../../src/node/dawn.ts';
import { installCpuKernels } from '../../src/wasm/install.ts';

const STEPS = 2;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const emit = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const { flags } = parseArgs(process.argv.slice(2), ['allow-software']);
checkKnown(flags, ['presets', 'cases', 'seed', 'allow-software']);
const allowSoftware = flags.get('allow-software') === true;

// The CPU reference with the WebAssembly kernels (tested equal to the TypeScript loops): the
// whole check then takes seconds of CPU per preset instead of minutes.
installCpuKernels('wasm-simd');

// The cases, checked before any device opens: a name it would not run is a usage error, so that
// a typo cannot pass as "all checks agree".
const usage = (message: string): never => {
  log(`parity: ${message}`);
  process.exit(2);
};
const runnable = (name: string): string | null => {
  const config = PRESETS[name];
  if (!config) return `no preset '${name}'`;
  if (config.task.kind === 'toy') return `'${name}' is a toy task (the kernel checks train the toy)`;
  return gpuUnsupportedReason(config);
};
let cases: [name: string, batch: number | null][] = Object.keys(PRESETS)
  .filter((n) => runnable(n) === null)
  .map((n): [string, number | null] => [n, null]);
const presetsFlag = flags.get('presets');
if (typeof presetsFlag === 'string') {
  const wanted = presetsFlag.split(',');
  for (const name of wanted) {
    const why = runnable(name);
    if (why !== null) usage(`--presets: ${why}`);
  }
  cases = cases.filter(([name]) => wanted.includes(name));
}
const casesFlag = flags.get('cases');
if (typeof casesFlag === 'string') {
  cases = casesFlag.split(',').map((item): [string, number] => {
    const [name, batch] = item.split(':');
    if (!name || !/^[1-9]\d*$/.test(batch ?? ''))
      return usage(`--cases wants preset:batch items, got '${item}'`);
    const why = runnable(name);
    if (why !== null) usage(`--cases: ${why}`);
    return [name, Number(batch)];
  });
}
const seedFlag = flags.get('seed');
const seed = typeof seedFlag === 'string' ? Number(seedFlag) : null;
if (seed !== null && !Number.isInteger(seed)) usage(`--seed wants an integer, got '${String(seedFlag)}'`);

const gpu = dawnGpu();

// 1. The kernel checks (forward, backward, loss, 5 toy training steps).
const kernels = await runGpuCheck(gpu);
if (kernels.status === 'unavailable') {
  log(kernels.message);
  process.exit(2);
}
if (kernels.adapter) log(`adapter: ${describeAdapter(kernels.adapter)}`);
if (kernels.adapter && isSoftwareAdapter(kernels.adapter) && !allowSoftware) {
  log('a software adapter: this check is for a real GPU (pass --allow-software to run it anyway)');
  process.exit(2);
}
for (const c of kernels.checks) emit({ check: 'kernel', ...c });
log(`kernel checks: ${kernels.status}: ${kernels.message}`);
let failures = kernels.status === 'passed' ? 0 : 1;

// 2. Whole training steps at the presets' shapes.
const troubles: string[] = [];
const ctx = await openDevice(gpu, (t: GpuTrouble) =>
  troubles.push(t.kind === 'lost' ? `device lost: ${t.message}` : `error: ${t.message}`),
);
const rows: string[][] = [];
for (const [name, batchOverride] of cases) {
  const batch = batchOverride ?? PRESETS[name]!.training.batchSize;
  let p: PresetParity | null = null;
  let error = '';
  ctx.device.pushErrorScope('validation');
  try {
    const config = atPresetShape(name, batch, Infinity);
    if (seed !== null) config.seed = seed;
    p = await presetParity(ctx, name, config, STEPS);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const scoped = await ctx.device.popErrorScope();
  if (scoped) error = `${error} ${scoped.message}`.trim();
  const ok = p !== null && error === '' && parityHolds(p);
  if (!ok) failures++;
  emit({ check: 'preset', preset: name, batch, seed: seed ?? PRESETS[name]!.seed, ok, error, ...(p ?? {}) });
  const worstGrad = p ? Math.max(0, ...p.gradients.map((g) => g.worstRelative)) : NaN;
  const worstLoss = p
    ? Math.max(...p.losses.map(({ cpu, gpu: g }) => Math.abs(g - cpu) / (1 + Math.abs(cpu))))
    : NaN;
  rows.push([
    name,
    p?.shape ?? '?',
    String(batch),
    String(p?.timeSteps ?? '?'),
    worstLoss.toExponential(1),
    worstGrad.toExponential(1),
    p ? (p.gpuMs / STEPS).toFixed(0) : '-',
    p ? (p.cpuMs / STEPS).toFixed(0) : '-',
    ok ? 'ok' : `FAIL ${error}`,
  ]);
  log(`${name} batch ${batch}: ${ok ? 'ok' : `FAILED ${error}`}`);
}
await ctx.device.queue.onSubmittedWorkDone();
ctx.device.destroy();
if (troubles.length > 0) {
  failures++;
  log(`device trouble: ${troubles.join('; ')}`);
}
log(
  markdownTable(
    [
      'preset',
      'shape',
      'batch',
      'time steps',
      'worst loss error (rel.)',
      'worst gradient error (rel. to max)',
      'GPU ms / step',
      'CPU ms / step',
      'result',
    ],
    rows,
  ),
);
log(failures === 0 ? 'GPU parity: all checks agree with the CPU engine' : `GPU parity: ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
