/**
 * Module Worker: loads data, trains on the chosen engine (WebGPU when the Worker has an adapter,
 * else the CPU reference engine) and stores runs, all off the main thread. The logic lives in
 * TrainingSession; this file only wires it to `self`, IndexedDB and `navigator.gpu`.
 */
import { DatasetStore } from '../storage/datasetStore.ts';
import { RunStore } from '../storage/runStore.ts';
import { loadConfigData } from './dataSource.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import { TrainingSession } from './session.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  navigator: { gpu?: GPU; locks?: LockManager };
}

const scope = self as unknown as WorkerScope;
const datasets = new DatasetStore();

const session = new TrainingSession({
  post: (message: FromWorker, transfer: Transferable[]) => scope.postMessage(message, transfer),
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
  loadData: (config, dataBaseUrl, onProgress) => loadConfigData(config, datasets, dataBaseUrl, onProgress),
  runs: new RunStore(),
  gpu: scope.navigator.gpu,
  newId: () => crypto.randomUUID(),
  lockRun: (runId) =>
    new Promise((resolve) => {
      const locks = scope.navigator.locks;
      // Without Web Locks there is nothing to coordinate with (and nothing that could hold it).
      if (!locks) return resolve(() => undefined);
      void locks.request(`delaylab-run:${runId}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        // Held until released: the lock ends when this promise settles (or the tab closes).
        return new Promise<void>((release) => resolve(() => release()));
      });
    }),
});

scope.onmessage = (event: MessageEvent<ToWorker>) => session.handle(event.data);
