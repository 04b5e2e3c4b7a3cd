/**
 * Training-step benchmark (forward + BPTT backward + Adam + clamp) of the CPU or GPU engine on the
 * `mnist` and `shd` shapes, with random inputs of the right statistics. One JSON line per case
 * on stdout; progress on stderr. Each case runs in its own process so that its peak RSS is its
 * own. With --peer, the PyTorch peer (../shared/peer/dcls_peer.py) runs the same case right
 * after, and a ratio line follows.
 *
 *   npm run bench -- [--engine cpu|gpu] [--config mnist|shd|all] [--batch B] [--steps N] [--threads T] [--peer] [--json]
 *
 * --threads (default 2, as the peer runs with 2 threads): data-parallel worker threads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gatherBatch } from '../src/core/data/tasks.ts';
import { preset } from '../src/core/presets.ts';
import type { ExperimentConfig } from '../src/core/experiment.ts';
import type { Trainer } from '../src/core/trainer.ts';
import { openDevice } from '../src/gpu/device.ts';
import { GpuTrainer } from '../src/gpu/engine/GpuTrainer.ts';
import { dawnGpu, explainMissingAdapter } from '../src/node/dawn.ts';
import { ParallelTrainer } from '../src/node/parallelTrainer.ts';
import { checkKnown, intFlag, parseArgs, UsageError } from '../src/cli/args.ts';

const CASES = { mnist: 'mnist-bench', shd: 'shd-bench' } as const;
type CaseName = keyof typeof CASES;
/** Timed steps per case by default: enough for a stable mean on a 2-core machine (seconds each). */
const DEFAULT_STEPS: Record<CaseName, number> = { mnist: 40, shd: 6 };
/** The peer's kernel mode for each case (the issue's `mnist` case uses lerp delays). */
const PEER_MODE: Record<CaseName, string> = { mnist: 'lerp', shd: 'gauss' };
const PEER = fileURLToPath(new URL('../../shared/peer/dcls_peer.py', import.meta.url));

interface BenchResult {
  engine: string;
  adapter?: unknown;
  threads?: number;
  config: CaseName;
  batch: number;
  samplesPerSecond: number;
  msPerStep: number;
  peakRssMb: number;
  steps: number;
  kernel: string;
  hiddenSpikeRates: number[];
  /**
   * Per delay layer: bytes held for parameters, gradients, Adam state (float64 m and v per
   * trained tensor) and scratch, next to what a materialised float32 [N_out][N_in][Td] kernel
   * and its gradient would add on top of the parameters (as the dense DCLS formulation holds).
   */
  layerMemory: {
    shape: string;
    parameterBytes: number;
    gradientBytes: number;
    adamBytes: number;
    scratchBytes: number;
    materialisedKernelAndGradBytes: number;
  }[];
}

/** What the timing loop needs from an engine. */
interface StepRunner {
  trainer: Trainer;
  step(indices: number[]): Promise<number>;
  /** Makes `trainer`'s parameters current (the GPU keeps its own) and releases the engine. */
  finish(): Promise<void>;
  fields: Record<string, unknown>;
  /** Bytes per float of parameters and Adam moments, and whether scratch tables exist. */
  gpu: boolean;
}

async function makeRunner(
  engine: 'cpu' | 'gpu',
  config: ExperimentConfig,
  threads: number,
  scheduleSteps: number,
): Promise<StepRunner> {
  if (engine === 'cpu') {
    const parallel = new ParallelTrainer(config, threads, { epochs: 1, scheduleSteps });
    return {
      trainer: parallel.trainer,
      step: (indices) => parallel.trainStep(indices),
      finish: () => parallel.close(),
      fields: { engine: 'cpu', threads },
      gpu: false,
    };
  }
  let ctx;
  try {
    ctx = await openDevice(dawnGpu(), () => undefined);
  } catch (e) {
    throw explainMissingAdapter(e);
  }
  const context = ctx;
  const gpu = new GpuTrainer(context, config, { epochs: 1, scheduleSteps });
  return {
    trainer: gpu.reference,
    step: (indices) => gpu.trainStep(indices),
    finish: async () => {
      const params = await gpu.readParameters();
      params.forEach((p, l) => {
        gpu.reference.net.synapses[l]!.weights.set(p.weights);
        gpu.reference.net.synapses[l]!.delays.set(p.delays);
      });
      gpu.destroy();
      context.device.destroy();
    },
    // SwiftShader (a fallback adapter) runs WGSL on the CPU: its timings are not GPU speed.
    fields: { engine: 'gpu', adapter: context.adapterInfo },
    gpu: true,
  };
}

async function runCase(
  name: CaseName,
  engine: 'cpu' | 'gpu',
  batch: number,
  steps: number,
  threads: number,
  log: (s: string) => void,
): Promise<BenchResult> {
  const config = preset(CASES[name])!;
  config.training.batchSize = batch;
  const warmup = 2;
  // Schedules (sigma, learning rates) run over warm-up + timed steps, as in the peer.
  const runner = await makeRunner(engine, config, threads, warmup + steps);
  const trainer = runner.trainer;
  // One fixed batch, generated before timing (as the peer does).
  const indices = Array.from({ length: batch }, (_, b) => b % trainer.data.samples);
  for (let s = 0; s < warmup; s++) await runner.step(indices);
  const t0 = performance.now();
  const progress = (s: number): void =>
    log(
      `  ${name} batch ${batch}: step ${s + 1}/${steps} (${((performance.now() - t0) / (s + 1)).toFixed(0)} ms/step)`,
    );
  if (runner.gpu) {
    // GPU steps are issued back to back, as training does; the clock stops when the last is done.
    await Promise.all(Array.from({ length: steps }, (_, s) => runner.step(indices).then(() => progress(s))));
  } else {
    for (let s = 0; s < steps; s++) {
      await runner.step(indices);
      progress(s);
    }
  }
  const ms = (performance.now() - t0) / steps;
  await runner.finish();
  const rec = trainer.net.forward(gatherBatch(trainer.data, indices), batch);
  const hiddenSpikeRates = rec.layers.slice(0, -1).map((l) => {
    let s = 0;
    for (let q = 0; q < l.neurons.spikes.length; q++) s += l.neurons.spikes[q]!;
    return Number((s / l.neurons.spikes.length).toFixed(4));
  });
  return {
    ...runner.fields,
    config: name,
    batch,
    samplesPerSecond: Number(((1000 * batch) / ms).toFixed(2)),
    msPerStep: Number(ms.toFixed(1)),
    peakRssMb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    steps,
    kernel: config.network.layers[0]!.kernel.mode,
    hiddenSpikeRates,
    layerMemory: trainer.net.synapses.map((s, l) => {
      const m = s.memoryBytes();
      const n = s.weights.length;
      const trained =
        (config.network.layers[l]!.trainWeights ? 1 : 0) + (config.network.layers[l]!.trainDelays ? 1 : 0);
      // GPU: float32 weights, delays, their gradients and Adam moments, no tap tables.
      return {
        shape: `${s.inputs}x${s.outputs}, Td ${s.kernel.maxDelay}`,
        parameterBytes: runner.gpu ? 2 * 4 * n : m.parameters,
        gradientBytes: runner.gpu ? 2 * 4 * n : m.gradients,
        adamBytes: trained * 2 * (runner.gpu ? 4 : 8) * n,
        scratchBytes: runner.gpu ? 0 : m.scratch,
        materialisedKernelAndGradBytes: 2 * 4 * s.inputs * s.outputs * s.kernel.maxDelay,
      };
    }),
  } as BenchResult;
}

function runPeer(name: CaseName, batch: number, steps: number): Record<string, unknown> | null {
  if (!existsSync('/usr/bin/python3') || !existsSync(PEER)) return null;
  const peerSteps = name === 'shd' ? Math.max(10, steps) : Math.max(50, steps);
  const r = spawnSync(
    '/usr/bin/python3',
    [
      PEER,
      'bench',
      '--config',
      name,
      '--batch',
      String(batch),
      '--steps',
      String(peerSteps),
      '--threads',
      '2',
      '--mode',
      PEER_MODE[name],
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) {
    process.stderr.write(
      `peer failed (is python3-torch installed? apt-get install -y python3-torch):\n${r.stderr.slice(-400)}\n`,
    );
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

async function main(): Promise<number> {
  const { flags } = parseArgs(process.argv.slice(2), ['json', 'peer']);
  checkKnown(flags, ['engine', 'config', 'batch', 'steps', 'threads', 'json', 'peer', 'child']);
  const threads = intFlag(flags, 'threads', 1) ?? 2;
  const engine = flags.get('engine') ?? 'cpu';
  if (engine !== 'cpu' && engine !== 'gpu')
    throw new UsageError(`--engine must be cpu or gpu, got '${String(engine)}'`);
  const engineName: 'cpu' | 'gpu' = engine;
  const which = flags.get('config') ?? 'all';
  if (which !== 'all' && !(typeof which === 'string' && which in CASES))
    throw new UsageError(`--config must be mnist, shd or all, got '${String(which)}'`);
  const names: CaseName[] = which === 'all' ? ['mnist', 'shd'] : [which as CaseName];
  const batch = intFlag(flags, 'batch', 1) ?? 32;
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  if (flags.get('child') === true || (flags.has('child') && names.length === 1)) {
    const name = names[0]!;
    process.stdout.write(
      `${JSON.stringify(await runCase(name, engineName, batch, intFlag(flags, 'steps', 1) ?? DEFAULT_STEPS[name], threads, log))}\n`,
    );
    return 0;
  }
  const self = fileURLToPath(new URL('./bench.js', import.meta.url));
  for (const name of names) {
    const steps = intFlag(flags, 'steps', 1) ?? DEFAULT_STEPS[name];
    log(`bench ${name}: batch ${batch}, ${steps} timed steps after 2 warm-up steps`);
    const child = spawnSync(
      process.execPath,
      [
        self,
        '--engine',
        engineName,
        '--config',
        name,
        '--batch',
        String(batch),
        '--steps',
        String(steps),
        '--threads',
        String(threads),
        '--child',
        '1',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`bench case ${name} failed`);
    const line = child.stdout.trim().split('\n').at(-1)!;
    process.stdout.write(`${line}\n`);
    if (flags.get('peer') === true) {
      log(
        `peer ${name}: /usr/bin/python3 ../shared/peer/dcls_peer.py bench --config ${name} --batch ${batch} --mode ${PEER_MODE[name]} --threads 2`,
      );
      const peer = runPeer(name, batch, steps);
      if (peer) {
        const ours = JSON.parse(line) as BenchResult;
        const peerRate = Number(peer['samples_per_s']);
        process.stdout.write(
          `${JSON.stringify({ comparison: name, batch, peerMode: PEER_MODE[name], peerSamplesPerSecond: peerRate, peerPeakRssMb: peer['peak_rss_mb'], samplesPerSecond: ours.samplesPerSecond, ratio: Number((ours.samplesPerSecond / peerRate).toFixed(2)) })}\n`,
        );
      }
    }
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n`);
    process.exitCode = 2;
  },
);
