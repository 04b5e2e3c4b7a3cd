import type { RawDataset } from '../core/data/types.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { LoadProgress } from './dataSource.ts';
import type { CpuEngineFactory } from './engines.ts';
import type { FromWorker } from './protocol.ts';
import type { RunPersistence } from './runStorage.ts';

/** What the training session needs from where it runs (the Worker's `self`, or a test). */
export interface SessionHost {
  post(message: FromWorker, transfer: Transferable[]): void;
  now(): number;
  setTimer(fn: () => void, ms: number): () => void;
  loadData(
    config: ExperimentConfig,
    dataBaseUrl: string,
    onProgress: LoadProgress,
  ): Promise<RawDataset | null>;
  runs: RunPersistence;
  gpu: Pick<GPU, 'requestAdapter'> | undefined;
  /** The CPU engine (the browser's: data-parallel over Workers); default one thread in this one. */
  cpuEngine?: CpuEngineFactory;
  newId(): string;
  /**
   * Takes the run's cross-tab lock if no other tab holds it: a function that releases it, or null
   * when another tab has the run (Web Locks in the browser; without them, always granted).
   */
  lockRun(runId: string): Promise<(() => void) | null>;
}
