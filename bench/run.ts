/**
 * Training-step benchmark (forward + BPTT backward + Adam + clamp) of the CPU or GPU engine on the
 * `mnist` and `shd` shapes, with random inputs of the right statistics. One JSON line per case
 * on stdout; progress on stderr. Each case runs in its own process so that its peak RSS is its
 * own. With --peer, the PyTorch peer (../shared/peer/dcls_peer.py) runs the same case right
 * after, and a ratio line follows.
 *
 *   npm run bench -- [--engine cpu|gpu] [--config mnist|shd|delay-only-fashion|shd-eventprop|shd-sparse|all|A,B...]
 *                    [--batch B[,B2...]] [--steps N]
 *                    [--threads T] [--peer] [--peer-device cpu|cuda] [--peer-script F] [--hardware-gpu]
 *
 * shd-eventprop: the `shd` case's network and data trained with EventProp (exact simulation, mean
 *   readout membrane loss); run with `shd` (`--config shd,shd-eventprop`, or all) a comparison
 *   line follows: bytes held per sample between the passes, samples/s and peak RSS of both.
 * shd-sparse: the `shd` case with a fixed mask keeping 1/32 of every layer's synapses (96.9 %
 *   sparse; weight bounds x sqrt(32), Kaiming's rule on the active fan-in); with `shd`, a
 *   comparison line follows: samples/s of both and their ratio against the synapse ratio.
 * --threads (default 2, as the peer runs with 2 threads): data-parallel worker threads.
 * --batch: one batch size or a comma-separated list (each one is its own case).
 * --peer-device cuda: the peer on an NVIDIA GPU (a lent GPU machine, bench/gpu-machine/).
 * --peer-script: where dcls_peer.py is (default ../shared/peer/dcls_peer.py).
 * --kernel-times: GPU time per kernel (timestamp queries, where the adapter has them), in ms
 *   per step, as `kernelMsPerStep` in the JSON line.
 * --hardware-gpu: refuse a software (fallback) adapter such as SwiftShader, so a GPU machine
 *   whose Vulkan driver is not found fails instead of timing the CPU.
 * Ends with a table of every case (and the peer's rate and the ratio with --peer) on stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markdownTable } from '../src/core/analysis/markdownTable.ts';
import { preset } from '../src/core/presets.ts';
import type { ExperimentConfig, LayerConfig } from '../src/core/experiment.ts';
import { scaledWeightInit } from '../src/core/structure/ablation.ts';
import type { Engine } from '../src/core/engine.ts';
import { RunLoop } from '../src/core/runLoop.ts';
import { sigmaAt } from '../src/core/train/schedules.ts';
import { GpuEngine, gpuUnsupportedReason } from '../src/gpu/engine/GpuEngine.ts';
import { enableKernelTimer, type KernelTimer } from '../src/gpu/kernelTimer.ts';
import { dawnGpu, explainMissingAdapter } from '../src/node/dawn.ts';
import { ParallelCpuEngine } from '../src/node/parallelCpuEngine.ts';
import { checkKnown, intFlag, parseArgs, UsageError } from '../src/cli/args.ts';

const CASES = {
  mnist: 'mnist-bench',
  shd: 'shd-bench',
  'delay-only-fashion': 'delay-only-fashion',
  'shd-eventprop': 'shd-bench',
  'shd-sparse': 'shd-bench',
} as const;
type CaseName = keyof typeof CASES;
/** Share of Fashion-MNIST's 47,040,000 training pixels above 127 (measured: 0.3147). */
const FASHION_PIXELS_ABOVE_127 = 0.315;

/**
 * The case's preset on random input of its statistics: the bench cases already are; the
 * delay-only Fashion-MNIST preset's network gets threshold-coded-like input (one spike at t = 0
 * on 31.5 % of the pixels: the share of Fashion-MNIST's training pixels above 127), so it needs
 * no data files. The run is one epoch of `batches` batches of `batch` samples.
 */
function caseConfig(name: CaseName, batch: number, batches: number): ExperimentConfig {
  const config = preset(CASES[name])!;
  const task =
    config.task.kind === 'randomSpikes'
      ? config.task
      : {
          kind: 'randomSpikes' as const,
          samples: 0,
          classes: config.network.layers.at(-1)!.size,
          rate: FASHION_PIXELS_ABOVE_127,
          firstStepOnly: true,
        };
  // One epoch of exactly `batches` batches, no validation split.
  const run: ExperimentConfig = {
    ...config,
    task: { ...task, samples: batch * batches },
    training: { ...config.training, batchSize: batch, epochs: 1, validationFraction: 0 },
  };
  if (name === 'shd-eventprop') return asEventProp(run);
  return name === 'shd-sparse' ? asSparse(run) : run;
}

/** Share of synapses the shd-sparse case keeps per layer (DelayLayer's sparse path takes it). */
const SPARSE_CASE_CONNECTIVITY = 1 / 32;

/**
 * The same network with a fixed random mask of SPARSE_CASE_CONNECTIVITY; weight bounds x
 * 1 / sqrt(connectivity), Kaiming's rule on the active fan-in, which keeps each neuron's input
 * variance and so its spike rate near the dense case's (both are reported: the work per step
 * grows with the spikes).
 */
function asSparse(config: ExperimentConfig): ExperimentConfig {
  const gain = 1 / Math.sqrt(SPARSE_CASE_CONNECTIVITY);
  return withLayers(config, (l) => ({
    ...l,
    connectivity: SPARSE_CASE_CONNECTIVITY,
    weightInit: scaledWeightInit(l.weightInit, gain),
  }));
}

function withLayers(config: ExperimentConfig, change: (l: LayerConfig) => LayerConfig): ExperimentConfig {
  return { ...config, network: { ...config.network, layers: config.network.layers.map(change) } };
}

/** EventProp's synaptic time constant in the shd-eventprop case (ms), as in the EventProp papers. */
const EVENTPROP_TAU_SYN_MS = 5;

/**
 * The same network and data trained with EventProp: exact simulation, cross-entropy on the
 * readout's mean membrane. EventProp's neuron integrates a synaptic current (tau_syn) where
 * BPTT's LIF takes each spike's weight at once, so the initial weights are scaled by
 * dt / tau_syn: a spike then puts the same charge (time integral of V) into its target, and the
 * hidden layers spike at rates close to BPTT's (both are reported).
 */
function asEventProp(config: ExperimentConfig): ExperimentConfig {
  const scale = config.network.dtMs / EVENTPROP_TAU_SYN_MS;
  return {
    ...withLayers(config, (l) => ({ ...l, weightInit: scaledWeightInit(l.weightInit, scale) })),
    training: { ...config.training, method: 'eventprop' },
    eventprop: { tauSynMs: EVENTPROP_TAU_SYN_MS, simulation: 'exact', loss: { kind: 'voltageSum' } },
  };
}
/** Timed steps per case by default: enough for a stable mean on a 2-core machine (seconds each). */
const DEFAULT_STEPS: Record<CaseName, number> = {
  mnist: 40,
  shd: 6,
  'delay-only-fashion': 40,
  'shd-eventprop': 4,
  'shd-sparse': 6,
};
/** The peer's kernel mode for each case (the issue's `mnist` case uses lerp delays). */
const PEER_MODE: Partial<Record<CaseName, string>> = { mnist: 'lerp', shd: 'gauss' };
const DEFAULT_PEER = fileURLToPath(new URL('../../shared/peer/dcls_peer.py', import.meta.url));

interface BenchResult {
  engine: string;
  /** 'bptt' or 'eventprop'. */
  method: string;
  /**
   * Bytes the method holds per sample between its forward and backward passes, mean over the
   * first samples of the batch (eventprop/memory.ts: BPTT's activations, EventProp's spikes).
   */
  heldBytesPerSample: number;
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
   * Samples/s over a whole run: steps timed at five points of the case's sigma schedule (the
   * middles of five equal parts of a run), averaged as a run spends its steps. The plain
   * samplesPerSecond times the run's first steps (sigma at its start).
   */
  wholeRunSamplesPerSecond: number;
  wholeRunPoints: { fraction: number; sigma: number; msPerStep: number }[];
  /** Seconds a 60,000-sample epoch (Fashion-MNIST's training set) takes at the whole-run rate. */
  secondsPer60kEpoch: number;
  /** GPU time per pass label, ms per timed step (--kernel-times). */
  kernelMsPerStep?: Record<string, number>;
  /**
   * GPU engine: host time per timed step (ms) building the first layer's input (event lists or
   * the dense batch) and queueing its upload; a floor under the step time however fast the GPU.
   */
  inputPrepMsPerStep?: number;
  /**
   * Per delay layer: bytes held for parameters, gradients, Adam state (float64 m and v per
   * trained tensor) and scratch, next to what a materialised float32 [N_out][N_in][Td] kernel
   * and its gradient would add on top of the parameters (as the dense DCLS formulation holds).
   */
  layerMemory: {
    shape: string;
    storage: 'compact' | 'dense';
    /** Synapses that exist (all possible ones in a dense layer). */
    activeSynapses: number;
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
async function openEngine(
  engine: 'cpu' | 'gpu',
  config: ExperimentConfig,
  threads: number,
  hardwareGpu: boolean,
): Promise<Engine> {
  if (engine === 'cpu') return new ParallelCpuEngine(config, threads);
  // A config the GPU engine does not train is a usage error, not a missing Vulkan driver.
  const unsupported = gpuUnsupportedReason(config);
  if (unsupported) throw new UsageError(unsupported);
  try {
    // SwiftShader (a fallback adapter) runs WGSL on the CPU: its timings are not GPU speed.
    return await GpuEngine.open(dawnGpu(), config, { rejectFallbackAdapter: hardwareGpu });
  } catch (e) {
    throw explainMissingAdapter(e);
  }
}

/** Per-kernel GPU timing on the engine's device (the GPU engine only). */
function timerOf(engine: Engine): KernelTimer {
  if (!(engine instanceof GpuEngine)) throw new UsageError('--kernel-times needs --engine gpu');
  return enableKernelTimer(engine.device);
}

/**
 * Where in a run the whole-run figure times steps: the middles of five equal parts of its steps
 * (fractions of the run), so each part weighs as much as the steps a run spends in it.
 */
const RUN_FRACTIONS = [0.1, 0.3, 0.5, 0.7, 0.9];
/** Timed steps at each of those points (after one untimed step). */
const STEPS_PER_POINT: Record<CaseName, number> = {
  mnist: 10,
  shd: 2,
  'delay-only-fashion': 10,
  'shd-eventprop': 0,
  'shd-sparse': 2,
};

/**
 * ms per step of the case at each point of RUN_FRACTIONS, with sigma held at the value the
 * case's sigma schedule gives there (the only thing that changes a step's cost along a run: a
 * narrow Gaussian kernel touches fewer taps). Random spikes of the case's statistics, as above.
 */
async function wholeRunPoints(
  name: CaseName,
  engineName: 'cpu' | 'gpu',
  batch: number,
  /** Timed steps at each point (at most STEPS_PER_POINT of the case). */
  maxSteps: number,
  threads: number,
  hardwareGpu: boolean,
  log: (s: string) => void,
): Promise<{ fraction: number; sigma: number; msPerStep: number }[]> {
  const points: { fraction: number; sigma: number; msPerStep: number }[] = [];
  // EventProp's cost does not depend on sigma (its delays are exact, no kernel): no points.
  if (STEPS_PER_POINT[name] === 0) return points;
  for (const fraction of RUN_FRACTIONS) {
    const steps = Math.min(maxSteps, STEPS_PER_POINT[name]);
    const config = caseConfig(name, batch, 1 + steps);
    const maxDelay = Math.max(...config.network.layers.map((l) => l.kernel.maxDelay));
    // Any run length gives the same sigma at the same fraction of the run.
    const sigma = sigmaAt(config.sigma, maxDelay, fraction * 1000, 1000);
    config.sigma = { kind: 'constant', initial: sigma, final: sigma, fraction: 1 };
    const engine = await openEngine(engineName, config, threads, hardwareGpu);
    const loop = new RunLoop(engine, { evaluate: false, checkpointMinGapMs: Infinity });
    await loop.advance({ maxSteps: 1 });
    await engine.sync();
    const t0 = performance.now();
    await loop.runToEnd();
    await engine.sync();
    const msPerStep = (performance.now() - t0) / steps;
    await engine.dispose();
    log(
      `  ${name} batch ${batch}: ${Math.round(fraction * 100)} % into a run, sigma ${sigma.toFixed(2)}: ${msPerStep.toFixed(0)} ms/step`,
    );
    points.push({ fraction, sigma: Number(sigma.toFixed(3)), msPerStep: Number(msPerStep.toFixed(1)) });
  }
  return points;
}

async function runCase(
  name: CaseName,
  engineName: 'cpu' | 'gpu',
  batch: number,
  steps: number,
  threads: number,
  hardwareGpu: boolean,
  kernelTimes: boolean,
  log: (s: string) => void,
): Promise<BenchResult> {
  const warmup = 2;
  // The data (random spikes of the case's statistics) is generated before timing, as the peer
  // does: one epoch of warm-up + timed batches, so the loop issues the steps back to back as a
  // training epoch does, and the schedules (sigma, learning rates) span them, as in the peer.
  // No evaluation and no checkpoint between steps.
  const config = caseConfig(name, batch, warmup + steps);
  const engine = await openEngine(engineName, config, threads, hardwareGpu);
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
  const timer = kernelTimes ? timerOf(engine) : null;
  const gpuTrainer = engine instanceof GpuEngine ? engine.trainer : null;
  await loop.advance({ maxSteps: warmup });
  await engine.sync();
  await timer?.reset();
  const prepBefore = gpuTrainer?.inputPrepMs ?? 0;
  t0 = performance.now();
  await loop.runToEnd();
  const ms = (performance.now() - t0) / steps;
  await engine.sync();
  const inputPrepMsPerStep = gpuTrainer ? ((gpuTrainer.inputPrepMs - prepBefore) / steps).toFixed(2) : null;
  if (inputPrepMsPerStep !== null) log(`    host input preparation: ${inputPrepMsPerStep} ms / step`);
  let kernelMsPerStep: Record<string, number> | undefined;
  if (timer) {
    const times = await timer.times();
    kernelMsPerStep = Object.fromEntries(
      times.map((t) => [t.label, Number((t.totalMs / Math.max(1, timer.stepsTimed)).toFixed(3))]),
    );
    for (const [label, perStep] of Object.entries(kernelMsPerStep)) log(`    ${label}: ${perStep} ms / step`);
  }
  await engine.dispose();
  // Spike rates and held bytes over the first samples (one at a time, as the views draw them).
  const probed = Array.from(model.data.train.subarray(0, Math.min(batch, 4)));
  const records = probed.map((sample) => model.record(sample));
  const hiddenSpikeRates = records[0]!.layers.slice(0, -1).map((_, l) => {
    let s = 0;
    let n = 0;
    for (const rec of records) {
      const spikes = rec.layers[l]!.neurons.spikes;
      for (let q = 0; q < spikes.length; q++) s += spikes[q]!;
      n += spikes.length;
    }
    return Number((s / n).toFixed(4));
  });
  const heldBytesPerSample = Math.round(
    probed.reduce((sum, sample) => sum + model.heldBytesPerSample(sample), 0) / probed.length,
  );
  const gpu = engine.info.kind === 'gpu';
  const wholeRun = await wholeRunPoints(name, engineName, batch, steps, threads, hardwareGpu, log);
  const wholeRunMs = wholeRun.length ? wholeRun.reduce((s, p) => s + p.msPerStep, 0) / wholeRun.length : ms;
  return {
    ...engine.info.details,
    method: engine.info.method,
    heldBytesPerSample,
    config: name,
    batch,
    samplesPerSecond: Number(((1000 * batch) / ms).toFixed(2)),
    msPerStep: Number(ms.toFixed(1)),
    peakRssMb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    steps,
    // EventProp's delays are exact real numbers: no kernel.
    kernel: engine.info.method === 'eventprop' ? 'none (EventProp)' : config.network.layers[0]!.kernel.mode,
    hiddenSpikeRates,
    wholeRunSamplesPerSecond: Number(((1000 * batch) / wholeRunMs).toFixed(2)),
    secondsPer60kEpoch: Math.round((60000 * wholeRunMs) / (1000 * batch)),
    wholeRunPoints: wholeRun,
    ...(kernelMsPerStep ? { kernelMsPerStep } : {}),
    ...(inputPrepMsPerStep !== null ? { inputPrepMsPerStep: Number(inputPrepMsPerStep) } : {}),
    layerMemory: model.net.synapses.map((s, l) => {
      const m = s.memoryBytes();
      const n = s.weights.length;
      const trained =
        (config.network.layers[l]!.trainWeights ? 1 : 0) + (config.network.layers[l]!.trainDelays ? 1 : 0);
      // GPU: float32 weights, delays, their gradients and Adam moments, no tap tables.
      return {
        shape: `${s.inputs}x${s.outputs}, Td ${s.kernel.maxDelay}`,
        // Compact: one value per existing synapse (a fixed-mask layer at 93.75 % sparsity or more).
        storage: s.synapseIndex ? ('compact' as const) : ('dense' as const),
        activeSynapses: s.activeSynapses,
        parameterBytes: gpu ? 2 * 4 * n : m.parameters,
        gradientBytes: gpu ? 2 * 4 * n : m.gradients,
        adamBytes: trained * 2 * (gpu ? 4 : 8) * n,
        scratchBytes: gpu ? 0 : m.scratch,
        materialisedKernelAndGradBytes: 2 * 4 * s.inputs * s.outputs * s.kernel.maxDelay,
      };
    }),
  } as BenchResult;
}

interface PeerOptions {
  script: string;
  device: 'cpu' | 'cuda';
}

/**
 * The Python that has PyTorch: $DELAYLAB_PYTHON (run.sh sets it on a GPU machine, whose plain
 * python3 holds the CUDA build), else Debian's /usr/bin/python3 (python3-torch), else python3.
 */
function peerPython(): string {
  const chosen = process.env['DELAYLAB_PYTHON'];
  if (chosen) return chosen;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function runPeer(
  name: CaseName,
  batch: number,
  steps: number,
  peer: PeerOptions,
): Record<string, unknown> | null {
  const mode = PEER_MODE[name];
  if (mode === undefined) {
    process.stderr.write(`peer skipped: the peer has no '${name}' case\n`);
    return null;
  }
  if (!existsSync(peer.script)) {
    process.stderr.write(`peer skipped: no ${peer.script}\n`);
    return null;
  }
  const peerSteps = name === 'shd' ? Math.max(10, steps) : Math.max(50, steps);
  const r = spawnSync(
    peerPython(),
    [
      peer.script,
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
      mode,
      '--device',
      peer.device,
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

/** One row of the closing table. */
interface TableRow {
  config: CaseName;
  batch: number;
  engine: string;
  msPerStep: number;
  samplesPerSecond: number;
  wholeRunSamplesPerSecond: number;
  peerSamplesPerSecond: number | null;
}

function formatTable(rows: TableRow[], peerDevice: string): string {
  const head = [
    'case',
    'batch',
    'engine',
    'ms / step',
    'samples / s (first steps)',
    'samples / s (whole run)',
    `peer (${peerDevice}) samples / s`,
    'ratio (first)',
    'ratio (whole run)',
  ];
  const body = rows.map((r) => [
    r.config,
    String(r.batch),
    r.engine,
    r.msPerStep.toFixed(1),
    r.samplesPerSecond.toFixed(1),
    r.wholeRunSamplesPerSecond.toFixed(1),
    r.peerSamplesPerSecond === null ? '-' : r.peerSamplesPerSecond.toFixed(1),
    r.peerSamplesPerSecond === null ? '-' : `${(r.samplesPerSecond / r.peerSamplesPerSecond).toFixed(2)}x`,
    r.peerSamplesPerSecond === null
      ? '-'
      : `${(r.wholeRunSamplesPerSecond / r.peerSamplesPerSecond).toFixed(2)}x`,
  ]);
  return markdownTable(head, body);
}

/** EventProp against BPTT on the shd shape, for each batch size both ran at. */
function methodComparisons(results: readonly BenchResult[]) {
  return results
    .filter((r) => r.config === 'shd-eventprop')
    .flatMap((ep) => {
      const bptt = results.find((r) => r.config === 'shd' && r.batch === ep.batch);
      if (!bptt) return [];
      return [
        {
          comparison: 'eventprop-vs-bptt',
          shape: 'shd',
          batch: ep.batch,
          bpttHeldBytesPerSample: bptt.heldBytesPerSample,
          eventpropHeldBytesPerSample: ep.heldBytesPerSample,
          memoryRatio: Number((bptt.heldBytesPerSample / ep.heldBytesPerSample).toFixed(1)),
          bpttSamplesPerSecond: bptt.samplesPerSecond,
          eventpropSamplesPerSecond: ep.samplesPerSecond,
          speedRatio: Number((ep.samplesPerSecond / bptt.samplesPerSecond).toFixed(3)),
          bpttPeakRssMb: bptt.peakRssMb,
          eventpropPeakRssMb: ep.peakRssMb,
          bpttHiddenSpikeRates: bptt.hiddenSpikeRates,
          eventpropHiddenSpikeRates: ep.hiddenSpikeRates,
        },
      ];
    });
}

/** The sparse shd case against the dense one, for each batch size both ran at. */
function sparseComparisons(results: readonly BenchResult[]) {
  return results
    .filter((r) => r.config === 'shd-sparse')
    .flatMap((sparse) => {
      const dense = results.find((r) => r.config === 'shd' && r.batch === sparse.batch);
      if (!dense) return [];
      return [
        {
          comparison: 'sparse-vs-dense',
          shape: 'shd',
          batch: sparse.batch,
          connectivity: SPARSE_CASE_CONNECTIVITY,
          denseSamplesPerSecond: dense.samplesPerSecond,
          sparseSamplesPerSecond: sparse.samplesPerSecond,
          speedRatio: Number((sparse.samplesPerSecond / dense.samplesPerSecond).toFixed(2)),
          denseHiddenSpikeRates: dense.hiddenSpikeRates,
          sparseHiddenSpikeRates: sparse.hiddenSpikeRates,
        },
      ];
    });
}

function batchList(flags: Map<string, string | true>): number[] {
  const raw = flags.get('batch');
  if (raw === undefined) return [32];
  const list = String(raw)
    .split(',')
    .map((v) => Number(v));
  if (list.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new UsageError(
      `--batch must be a positive integer or a comma-separated list of them, got '${String(raw)}'`,
    );
  }
  return list;
}

async function main(): Promise<number> {
  const { flags } = parseArgs(process.argv.slice(2), ['json', 'peer', 'hardware-gpu', 'kernel-times']);
  checkKnown(flags, [
    'engine',
    'config',
    'batch',
    'steps',
    'threads',
    'json',
    'peer',
    'peer-device',
    'peer-script',
    'hardware-gpu',
    'kernel-times',
    'child',
  ]);
  const threads = intFlag(flags, 'threads', 1) ?? 2;
  const engine = flags.get('engine') ?? 'cpu';
  if (engine !== 'cpu' && engine !== 'gpu')
    throw new UsageError(`--engine must be cpu or gpu, got '${String(engine)}'`);
  const engineName: 'cpu' | 'gpu' = engine;
  const which = String(flags.get('config') ?? 'all');
  let names: CaseName[] =
    which === 'all'
      ? ['mnist', 'shd', 'delay-only-fashion', 'shd-eventprop', 'shd-sparse']
      : (which.split(',') as CaseName[]);
  for (const name of names) {
    if (!Object.hasOwn(CASES, name))
      throw new UsageError(
        `--config must be ${Object.keys(CASES).join(', ')}, all, or a comma-separated list of cases; got '${which}'`,
      );
  }
  const batches = batchList(flags);
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  if (engineName === 'gpu' && !flags.has('child')) {
    // 'all' on the GPU engine: the cases it trains (EventProp runs on the CPU engine only);
    // a case named outright that it does not train is a usage error.
    const refusal = (name: CaseName): string | null => gpuUnsupportedReason(caseConfig(name, 1, 1));
    const refused = names.filter((name) => refusal(name) !== null);
    if (which !== 'all' && refused.length > 0)
      throw new UsageError(`--engine gpu cannot run '${refused[0]!}': ${refusal(refused[0]!)!}`);
    for (const name of refused) log(`bench ${name}: skipped on the GPU engine (${refusal(name)!})`);
    names = names.filter((name) => !refused.includes(name));
  }
  const peerDevice = flags.get('peer-device') ?? 'cpu';
  if (peerDevice !== 'cpu' && peerDevice !== 'cuda')
    throw new UsageError(`--peer-device must be cpu or cuda, got '${String(peerDevice)}'`);
  const peer: PeerOptions = { script: String(flags.get('peer-script') ?? DEFAULT_PEER), device: peerDevice };
  const hardwareGpu = flags.get('hardware-gpu') === true;
  if (flags.has('child')) {
    const name = names[0]!;
    const steps = intFlag(flags, 'steps', 1) ?? DEFAULT_STEPS[name];
    const kernelTimes = flags.get('kernel-times') === true;
    const result = await runCase(
      name,
      engineName,
      batches[0]!,
      steps,
      threads,
      hardwareGpu,
      kernelTimes,
      log,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  // This program itself (bench/bench.js under tsx, or the bundled bench.mjs of bench/gpu-machine/).
  const self = process.argv[1]!;
  const rows: TableRow[] = [];
  const results: BenchResult[] = [];
  // A case that fails (a lost device, say) is reported and the others still run, so that a
  // short lease on a GPU machine still brings back every figure it can.
  const failed: string[] = [];
  for (const name of names) {
    for (const batch of batches) {
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
          ...(hardwareGpu ? ['--hardware-gpu'] : []),
          ...(flags.get('kernel-times') === true ? ['--kernel-times'] : []),
          '--child',
          '1',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      if (child.status !== 0) {
        log(`bench ${name} at batch ${batch} failed (exit ${child.status ?? child.signal})`);
        failed.push(`${name} at batch ${batch}`);
        continue;
      }
      const line = child.stdout.trim().split('\n').at(-1)!;
      process.stdout.write(`${line}\n`);
      const ours = JSON.parse(line) as BenchResult;
      results.push(ours);
      const row: TableRow = {
        config: name,
        batch,
        engine: ours.engine,
        msPerStep: ours.msPerStep,
        samplesPerSecond: ours.samplesPerSecond,
        wholeRunSamplesPerSecond: ours.wholeRunSamplesPerSecond,
        peerSamplesPerSecond: null,
      };
      rows.push(row);
      if (flags.get('peer') === true && PEER_MODE[name] === undefined)
        log(`peer ${name}: the peer has no such case`);
      else if (flags.get('peer') === true) {
        log(
          `peer ${name}: ${peerPython()} ${peer.script} bench --config ${name} --batch ${batch} --mode ${PEER_MODE[name]} --threads 2 --device ${peer.device}`,
        );
        const result = runPeer(name, batch, steps, peer);
        if (result) {
          const peerRate = Number(result['samples_per_s']);
          row.peerSamplesPerSecond = peerRate;
          process.stdout.write(
            `${JSON.stringify({ comparison: name, batch, peerMode: PEER_MODE[name], peerDevice: peer.device, peerGpu: result['gpu'] ?? null, peerSamplesPerSecond: peerRate, peerPeakRssMb: result['peak_rss_mb'], samplesPerSecond: ours.samplesPerSecond, ratio: Number((ours.samplesPerSecond / peerRate).toFixed(2)), wholeRunSamplesPerSecond: ours.wholeRunSamplesPerSecond, wholeRunRatio: Number((ours.wholeRunSamplesPerSecond / peerRate).toFixed(2)) })}\n`,
          );
        }
      }
    }
  }
  log(`\n${formatTable(rows, peer.device)}`);
  for (const line of methodComparisons(results)) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    log(
      `EventProp vs BPTT (shd shape, batch ${line.batch}): ${line.memoryRatio}x less held per sample (${line.eventpropHeldBytesPerSample} vs ${line.bpttHeldBytesPerSample} bytes), ${line.speedRatio}x the samples/s, peak RSS ${line.eventpropPeakRssMb} vs ${line.bpttPeakRssMb} MB`,
    );
  }
  for (const line of sparseComparisons(results)) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    log(
      `Sparse (${(100 * (1 - line.connectivity)).toFixed(1)} % of synapses absent) vs dense (shd shape, batch ${line.batch}): ${line.speedRatio}x the samples/s (${line.sparseSamplesPerSecond} vs ${line.denseSamplesPerSecond})`,
    );
  }
  if (failed.length > 0) {
    log(`failed: ${failed.join(', ')}`);
    return 1;
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
