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
import { createWorkerPoolEngine } from './workerPoolEngine.ts';
import { installCpuKernels } from '../wasm/install.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  navigator: { gpu?: GPU; locks?: LockManager };
}

const scope = self as unknown as WorkerScope;

/** How long a run's lock is waited for before the run opens read-only (ms). */
const LOCK_WAIT_MS = 1500;
const datasets = new DatasetStore();
// WebAssembly SIMD for this thread's float32 Gaussian layers (the TypeScript loops where the
// browser cannot compile it); the gradient Workers install the same.
installCpuKernels('wasm-simd');

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
  cpuEngine: createWorkerPoolEngine,
  newId: () => crypto.randomUUID(),
  lockRun: (runId) =>
    new Promise((resolve) => {
      const locks = scope.navigator.locks;
      // Without Web Locks there is nothing to coordinate with (and nothing that could hold it).
      if (!locks) return resolve(() => undefined);
      // A reloaded tab's old Worker may still be closing: wait a moment for its lock to go
      // before deciding another tab holds the run.
      locks
        .request(
          `delaylab-run:${runId}`,
          { signal: AbortSignal.timeout(LOCK_WAIT_MS) },
          () =>
            // Held until released: the lock ends when this promise settles (or the tab closes).
            new Promise<void>((release) => resolve(() => release())),
        )
        .catch(() => resolve(null));
    }),
});

scope.onmessage = (event: MessageEvent<ToWorker>) => session.handle(event.data);
