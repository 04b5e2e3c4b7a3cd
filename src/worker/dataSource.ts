import { BUILTIN_MNIST } from '../core/data/builtinMnist.ts';
import type { RawDataset } from '../core/data/types.ts';
import { taskDatasetName, type ExperimentConfig } from '../core/experiment.ts';
import { BUILTIN_MNIST_ID, loadBuiltinMnist } from '../io/builtinData.ts';
import type { DatasetStore } from '../storage/datasetStore.ts';

/** Progress of loading a data set: a message and a fraction in [0, 1] (null = unknown). */
export type LoadProgress = (message: string, fraction: number | null) => void;

/**
 * Finds the raw data a config trains on, inside the Worker (so parsing never blocks the page):
 * generated tasks need none; the built-in digits come from IndexedDB when stored there and from
 * the app's own assets otherwise (offline either way); any other data set must be stored.
 */
export async function loadConfigData(
  config: ExperimentConfig,
  store: DatasetStore,
  dataBaseUrl: string,
  onProgress: LoadProgress,
): Promise<RawDataset | null> {
  const name = taskDatasetName(config.task);
  if (name === null) return null;
  onProgress(`Looking for data set '${name}'…`, null);
  const entries = await store.list();
  const entry =
    entries.find((e) => e.name === name) ??
    (name === BUILTIN_MNIST.name ? entries.find((e) => e.id === BUILTIN_MNIST_ID) : undefined);
  if (entry) {
    onProgress(`Reading '${entry.name}' from this browser's storage…`, null);
    return store.load(entry.id);
  }
  if (name === BUILTIN_MNIST.name) {
    return loadBuiltinMnist({
      baseUrl: dataBaseUrl,
      onProgress: (p) =>
        onProgress(
          `Loading the built-in digits: ${(p.loaded / 1e6).toFixed(1)} MB`,
          p.total ? Math.min(1, p.loaded / p.total) : null,
        ),
    });
  }
  const stored = entries.map((e) => `'${e.name}'`).join(', ') || 'none';
  throw new Error(
    `the data set '${name}' is not stored in this browser (stored: ${stored}); add it in the Data sets panel first`,
  );
}
