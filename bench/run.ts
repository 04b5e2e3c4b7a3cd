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
import type { Engine } from '../src/core/engine.ts';
import { RunLoop } from '../src/core/runLoop.ts';
import { GpuEngine } from '../src/gpu/engine/GpuEngine.ts';
import { dawnGpu, explainMissingAdapter } from '../src/node/dawn.ts';
import { ParallelCpuEngine } from '../src/node/parallelCpuEngine.ts';
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

/**
 * The engine a case runs on: the CPU engine split across `threads`, or the GPU (Dawn). The bench
 * drives it through the same run loop as `delaylab train` and the playground.
 */
async function openEngine(engine: 'cpu' | 'gpu', config: ExperimentConfig, threads: number): Promise<Engine> {
  if (engine === 'cpu') return new ParallelCpuEngine(config, threads);
  try {
    // SwiftShader (a fallback adapter) runs WGSL on the CPU: its timings are not GPU speed.
    return await GpuEngine.open(dawnGpu(), config);
  } catch (e) {
    throw explainMissingAdapter(e);
  }
}

async function runCase(
  name: CaseName,
  engineName: 'cpu' | 'gpu',
  batch: number,
  steps: number,
  threads: number,
  log: (s: string) => void,
): Promise<BenchResult> {
  const config = preset(CASES[name])!;
  const task = config.task;
  if (task.kind !== 'randomSpikes') throw new Error(`bench case ${name} is not a random-spikes task`);
  const warmup = 2;
  // The data (random spikes of the case's statistics) is generated before timing, as the peer
  // does: one epoch of warm-up + timed batches, so the loop issues the steps back to back as a
  // training epoch does, and the schedules (sigma, learning rates) span them, as in the peer.
  // No evaluation and no checkpoint between steps.
  config.task = { ...task, samples: batch * (warmup + steps) };
  config.training = { ...config.training, batchSize: batch, epochs: 1, validationFraction: 0 };
  const engine = await openEngine(engineName, config, threads);
  const model = engine.model;
  let t0 = performance.now();
  let timed = 0;
  const loop = new RunLoop(engine, {
    evaluate: false,
    checkpointMinGapMs: Infinity,
    onEvent: (event) => {
      if (event.type !== 'step' || event.step < warmup) return;
      timed++;
      log(
        `  ${name} batch ${batch}: step ${timed}/${steps} (${((performance.now() - t0) / timed).toFixed(0)} ms/step)`,
      );
    },
  });
  await loop.advance({ maxSteps: warmup });
  t0 = performance.now();
  await loop.runToEnd();
  const ms = (performance.now() - t0) / steps;
  await engine.sync();
  await engine.dispose();
  const indices = Array.from(model.data.train.subarray(0, batch));
  const rec = model.net.forward(gatherBatch(model.data, indices), batch);
  const hiddenSpikeRates = rec.layers.slice(0, -1).map((l) => {
    let s = 0;
    for (let q = 0; q < l.neurons.spikes.length; q++) s += l.neurons.spikes[q]!;
    return Number((s / l.neurons.spikes.length).toFixed(4));
  });
  const gpu = engine.info.kind === 'gpu';
  return {
    ...engine.info.details,
    config: name,
    batch,
    samplesPerSecond: Number(((1000 * batch) / ms).toFixed(2)),
    msPerStep: Number(ms.toFixed(1)),
    peakRssMb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    steps,
    kernel: config.network.layers[0]!.kernel.mode,
    hiddenSpikeRates,
    layerMemory: model.net.synapses.map((s, l) => {
      const m = s.memoryBytes();
      const n = s.weights.length;
      const trained =
        (config.network.layers[l]!.trainWeights ? 1 : 0) + (config.network.layers[l]!.trainDelays ? 1 : 0);
      // GPU: float32 weights, delays, their gradients and Adam moments, no tap tables.
      return {
        shape: `${s.inputs}x${s.outputs}, Td ${s.kernel.maxDelay}`,
        parameterBytes: gpu ? 2 * 4 * n : m.parameters,
        gradientBytes: gpu ? 2 * 4 * n : m.gradients,
        adamBytes: trained * 2 * (gpu ? 4 : 8) * n,
        scratchBytes: gpu ? 0 : m.scratch,
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
