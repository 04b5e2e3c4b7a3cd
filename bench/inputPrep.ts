/**
 * Host time the GPU engine spends per step turning a batch into its first layer's input, on
 * this machine's CPU alone (no GPU needed): the batch's event lists (batchEventLists) and the
 * same events grouped by input neuron (eventsByInput), as GpuTrainer builds them every step, for
 * the `mnist` and `shd` bench shapes (generated input) and two image presets on the built-in
 * digits (`--configs a,b` picks others). One JSON line per case on stdout. On a fast GPU this host
 * work bounds the step rate from below (the GPU bench reports it in place as inputPrepMsPerStep).
 *
 *   npx tsx bench/inputPrep.ts [--batch 256] [--reps 30] [--configs mnist-bench,shd-bench]
 */
import { intFlag, parseArgs } from '../src/cli/args.ts';
import { taskDatasetName, type ExperimentConfig } from '../src/core/experiment.ts';
import { preset } from '../src/core/presets.ts';
import { BUILTIN_MNIST } from '../src/core/data/builtinMnist.ts';
import { buildTaskData } from '../src/core/data/tasks.ts';
import { builtinMnistDataset } from '../src/node/builtinMnist.ts';
import {
  batchEventLists,
  eventsByInput,
  newEventListScratch,
  newInputEventScratch,
} from '../src/gpu/kernels/spikeEvents.ts';

const { flags } = parseArgs(process.argv.slice(2), []);
const batch = intFlag(flags, 'batch', 1) ?? 256;
const reps = intFlag(flags, 'reps', 1) ?? 30;
const WARMUP = 5;

// Generated random input (dense stores, their event lists cached), then images from the built-in
// digits (encoded per sample each step).
const cases = flags.get('configs');
const names =
  typeof cases === 'string'
    ? cases.split(',')
    : ['mnist-bench', 'shd-bench', 'mnist-small', 'delay-only-mnist-authors-code'];
for (const name of names) {
  const config: ExperimentConfig = structuredClone(preset(name)!);
  // Enough generated samples for one batch of distinct ones.
  if (config.task.kind === 'randomSpikes') config.task.samples = Math.max(config.task.samples, batch);
  const raw = taskDatasetName(config.task) === BUILTIN_MNIST.name ? builtinMnistDataset() : null;
  const data = buildTaskData(config, raw);
  const indices = Array.from({ length: batch }, (_, k) => k);
  const scratch = newEventListScratch();
  const inputScratch = newInputEventScratch();
  let listsMs = 0;
  let byInputMs = 0;
  let events = 0;
  for (let r = 0; r < WARMUP + reps; r++) {
    const a = performance.now();
    const lists = batchEventLists(data, indices, scratch);
    const b = performance.now();
    eventsByInput(lists, config.network.inputs, inputScratch);
    const c = performance.now();
    events = lists.count;
    if (r < WARMUP) continue;
    listsMs += b - a;
    byInputMs += c - b;
  }
  console.log(
    JSON.stringify({
      config: name,
      batch,
      events,
      denseValues: batch * config.network.timeSteps * config.network.inputs,
      batchEventListsMs: Number((listsMs / reps).toFixed(2)),
      eventsByInputMs: Number((byInputMs / reps).toFixed(2)),
    }),
  );
}
