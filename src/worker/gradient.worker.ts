/**
 * Module Worker started by the training Worker's CPU engine (workerPoolEngine.ts): a replica of
 * the network (replicaHost.ts) that computes the gradients of its part of each batch, or
 * evaluates its share of a split, on the parameters it is sent, and answers.
 */
import { ReplicaHost } from './replicaHost.ts';
import type { FromReplica, ToReplica } from './replicaProtocol.ts';

interface WorkerScope {
  postMessage(message: FromReplica, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToReplica>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const host = new ReplicaHost();

scope.onmessage = (event: MessageEvent<ToReplica>) => {
  const { reply, transfer } = host.handle(event.data);
  scope.postMessage(reply, transfer);
};
