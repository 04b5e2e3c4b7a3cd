/**
 * Module Worker started by the training Worker's CPU engine (workerPoolEngine.ts): a replica of
 * the network that computes the gradients of its part of each batch, or evaluates its share of a
 * split (gradientWorkerHandler.ts).
 */
import { gradientWorkerHandler } from './gradientWorkerHandler.ts';
import type { FromGradientWorker, ToGradientWorker } from './replicaProtocol.ts';

interface WorkerScope {
  postMessage(message: FromGradientWorker, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToGradientWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const handle = gradientWorkerHandler();

scope.onmessage = (event: MessageEvent<ToGradientWorker>) => {
  const { reply, transfer } = handle(event.data);
  scope.postMessage(reply, transfer);
};
