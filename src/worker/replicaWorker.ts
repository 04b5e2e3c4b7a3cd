import { withinStallLimit } from '../core/dataParallel.ts';
import type { FromGradientWorker, ToGradientWorker } from './replicaProtocol.ts';

/** What the pool needs of a gradient Worker (tests run the same hosts in-process behind a stand-in). */
export interface ReplicaWorker {
  onmessage: ((event: MessageEvent<FromGradientWorker>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror: ((event: MessageEvent) => void) | null;
  postMessage(message: ToGradientWorker, transfer: Transferable[]): void;
  terminate(): void;
}

/** Starts gradient Worker `index` (1-based; the training Worker is thread 0). */
export type SpawnReplicaWorker = (index: number) => ReplicaWorker;

export const spawnGradientWorker: SpawnReplicaWorker = (index) =>
  new Worker(new URL('./gradient.worker.ts', import.meta.url), {
    type: 'module',
    name: `delaylab-gradients-${index}`,
  });

/** How long a gradient Worker may take to load and build its replica (ms). */
export const REPLICA_START_MS = 30_000;

/** `started` (a Worker's answer to its set-up message), or a failure after REPLICA_START_MS. */
export function withStartTimeout<T>(started: Promise<T>, index: number): Promise<T> {
  return withinStallLimit(
    started,
    REPLICA_START_MS,
    () => new Error(`gradient Worker ${index} did not start within ${REPLICA_START_MS / 1000} s`),
  );
}
