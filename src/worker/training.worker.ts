/**
 * Module Worker: trains the toy preset on the CPU reference engine off the main thread.
 * All the logic lives in TrainingSession; this file only wires it to `self`.
 */
import type { FromWorker, ToWorker } from './protocol.ts';
import { TrainingSession } from './session.ts';

/** The part of DedicatedWorkerGlobalScope used here (the project's lib is DOM, not WebWorker). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;

const session = new TrainingSession({
  post: (message: FromWorker, transfer: Transferable[]) => scope.postMessage(message, transfer),
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const id = setTimeout(fn, ms);
    return () => clearTimeout(id);
  },
});

scope.onmessage = (event: MessageEvent<ToWorker>) => session.handle(event.data);
session.announce();
