/**
 * Where a masked layer's active-synapse path (sparseSynapses.ts) overtakes the dense loops: ms per
 * training step of the same network on both paths at several sparsities, one thread, float32,
 * fixed random masks. SPARSE_PATH_FRACTION in src/core/synapses/delayLayer.ts is set from it.
 *
 *   npx tsx bench/sparseCrossover.ts            (WebAssembly kernels, as the engine runs)
 *   DELAYLAB_CPU_KERNELS=typescript npx tsx bench/sparseCrossover.ts   (the reference loops)
 */
import { buildTaskData } from '../src/core/data/tasks.ts';
import { mergeConfig, validateExperiment } from '../src/core/experiment.ts';
import { preset } from '../src/core/presets.ts';
import { Trainer } from '../src/core/trainer.ts';
import { builtinMnistDataset } from '../src/node/builtinMnist.ts';
import { cpuKernelsFromEnv, installCpuKernels } from '../src/wasm/install.ts';

const kernels = installCpuKernels(cpuKernelsFromEnv(process.env));
const CASES = [
  { name: 'mnist-small', batch: 32, sparsities: [0.5, 0.75, 0.875, 0.9375], steps: 12 },
  { name: 'shd-bench', batch: 8, sparsities: [0.75, 0.875, 0.9375, 0.97], steps: 3 },
];
for (const c of CASES) {
  for (const sparsity of c.sparsities) {
    const config = validateExperiment(mergeConfig(preset(c.name)!, { training: { batchSize: c.batch } }));
    for (const layer of config.network.layers) layer.connectivity = 1 - sparsity;
    const data = buildTaskData(config, c.name === 'mnist-small' ? builtinMnistDataset() : null);
    const ms = (['never', 'always'] as const).map((path) => {
      const trainer = new Trainer(config, { precision: 'f32', data });
      for (const layer of trainer.net.synapses) layer.sparsePath = path;
      const batches = trainer.drawEpochBatches();
      trainer.trainStep(batches[0]!); // warm-up: tables, WebAssembly memory
      const start = performance.now();
      for (let s = 1; s <= c.steps; s++) trainer.trainStep(batches[s % batches.length]!);
      return (performance.now() - start) / c.steps;
    });
    console.log(
      JSON.stringify({ kernels, config: c.name, batch: c.batch, sparsity, denseMs: ms[0], sparseMs: ms[1] }),
    );
  }
}
