/**
 * Roofline estimate of one training step (forward, BPTT backward, Adam) of the bench shapes on
 * a GPU of a given memory bandwidth and float32 peak: the step's arithmetic (FLOPs) and two
 * traffic figures, the minimum (every tensor read or written once per pass) and what our
 * present gather kernels move when no cache helps (each invocation reading its own operands).
 *
 *   npx tsx bench/roofline.ts [--bandwidth 4.8e12] [--peak 6.7e13] [--taps full|7]
 *
 * Defaults: an H200 (4.8 TB/s HBM3e, 67 TFLOP/s float32 without tensor cores). --taps 7 counts
 * the truncated Gaussian window late in a run (sigma about 0.5) instead of all Td taps.
 */
import { preset } from '../src/core/presets.ts';

interface Layer {
  inputs: number;
  outputs: number;
  taps: number;
}

interface Shape {
  name: string;
  batch: number;
  steps: number;
  inputRate: number;
  layers: Layer[];
}

function shape(name: 'mnist' | 'shd', presetName: string, batch: number, tapsLate: number | null): Shape {
  const config = preset(presetName)!;
  const task = config.task;
  const rate =
    task.kind === 'randomSpikes' ? task.rate / (task.firstStepOnly ? config.network.timeSteps : 1) : 1;
  let inputs = config.network.inputs;
  const layers = config.network.layers.map((l) => {
    const layer = {
      inputs,
      outputs: l.size,
      taps:
        l.kernel.mode === 'gauss' && tapsLate !== null
          ? Math.min(tapsLate, l.kernel.maxDelay)
          : l.kernel.mode === 'gauss'
            ? l.kernel.maxDelay
            : 2,
    };
    inputs = l.size;
    return layer;
  });
  return { name, batch, steps: config.network.timeSteps, inputRate: rate, layers };
}

interface Estimate {
  gflop: number;
  minBytes: number;
  gatherBytes: number;
}

/**
 * Per layer, with R = batch x steps rows: the delayed convolution is 2 R N_in N_out W FLOPs in
 * the forward pass (W taps per synapse), and the same again for the input gradient and for the
 * weight/delay gradients (the tap correlations G[k]); neurons, loss and Adam add O(R N + N_in N_out).
 * The first layer's forward only visits spikes (the sparse-gather kernel), so it scales with the input rate.
 */
function estimate(s: Shape): Estimate {
  let flop = 0;
  let minBytes = 0;
  let gatherBytes = 0;
  s.layers.forEach((l, index) => {
    const rows = s.batch * s.steps;
    const conv = 2 * rows * l.inputs * l.outputs * l.taps;
    const forward = index === 0 ? conv * s.inputRate : conv;
    const inputGrad = index === 0 ? 0 : conv;
    flop += forward + inputGrad + conv + 20 * rows * l.outputs + 12 * l.inputs * l.outputs;
    // Minimum traffic (float32): input spikes and dL/dcurrent read in each pass they feed, current,
    // membrane, spikes and their gradients written once; parameters, gradients and both Adam moments.
    minBytes += 4 * rows * (3 * l.inputs + 6 * l.outputs) + 4 * 10 * l.inputs * l.outputs;
    // Our kernels without any cache: the forward reads W spikes per (row, output, input), the
    // input gradient W gradients per (row, input, output), the tap correlations 2 R values per
    // (synapse, tap); each (row, output, input) also reads the synapse's weight, delay and norm.
    gatherBytes += 4 * (forward / 2 + (forward / (2 * l.taps)) * 3 + inputGrad / 2 + conv);
  });
  return { gflop: flop / 1e9, minBytes, gatherBytes };
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const bandwidth = Number(flag('bandwidth', '4.8e12'));
const peak = Number(flag('peak', '6.7e13'));
const taps = flag('taps', 'full');
const late = taps === 'full' ? null : Number(taps);

const rows: string[] = [
  '| shape | batch | GFLOP / step | min. MB / step | gather MB / step (no cache) | compute-bound ms | min-traffic ms | gather-traffic ms | roofline samples / s |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const [name, presetName] of [
  ['mnist', 'mnist-bench'],
  ['shd', 'shd-bench'],
] as const) {
  for (const batch of [32, 256]) {
    const e = estimate(shape(name, presetName, batch, late));
    const computeMs = (1e3 * e.gflop * 1e9) / peak;
    const minMs = (1e3 * e.minBytes) / bandwidth;
    const gatherMs = (1e3 * e.gatherBytes) / bandwidth;
    const bound = Math.max(computeMs, minMs);
    rows.push(
      `| ${name} | ${batch} | ${e.gflop.toFixed(1)} | ${(e.minBytes / 1e6).toFixed(1)} | ${(e.gatherBytes / 1e6).toFixed(0)} | ${computeMs.toFixed(2)} | ${minMs.toFixed(3)} | ${gatherMs.toFixed(1)} | ${Math.round((1e3 * batch) / bound)} |`,
    );
  }
}
process.stdout.write(
  `Roofline at ${(bandwidth / 1e12).toFixed(1)} TB/s and ${(peak / 1e12).toFixed(0)} TFLOP/s float32, Gaussian taps: ${taps === 'full' ? 'all Td' : taps}\n${rows.join('\n')}\n`,
);
