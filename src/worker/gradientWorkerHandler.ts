/**
 * What a gradient Worker (gradient.worker.ts) answers to each message. Its first message decides
 * which replica it holds: one sent the parameters with every request (replicaHost.ts, after
 * `init`), or one over shared memory where the page is cross-origin isolated (Node's
 * sharedReplicaHost.ts, after `init-shared`). Apart from the Worker so tests run it in-process.
 */
import { SharedReplicaHost, type GradientRequest } from '../core/parallel/sharedReplicaHost.ts';
import { installCpuKernels } from '../wasm/install.ts';
import { ReplicaHost } from './replicaHost.ts';
import type { FromGradientWorker, ToGradientWorker, ToReplica } from './replicaProtocol.ts';

export type GradientWorkerAnswer = { reply: FromGradientWorker; transfer: Transferable[] };

export function gradientWorkerHandler(): (msg: ToGradientWorker) => GradientWorkerAnswer {
  let handle: ((msg: ToGradientWorker) => GradientWorkerAnswer) | null = null;
  const setUp = (msg: ToGradientWorker): GradientWorkerAnswer => {
    if ('type' in msg && msg.type === 'init-shared') {
      try {
        installCpuKernels(msg.kernels);
        const host = new SharedReplicaHost(msg.setup);
        handle = (m) => host.handle(m as GradientRequest);
        return { reply: { type: 'ready' }, transfer: [] };
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return { reply: { type: 'error', message }, transfer: [] };
      }
    }
    const host = new ReplicaHost();
    handle = (m) => host.handle(m as ToReplica);
    return handle(msg);
  };
  return (msg) => (handle ? handle(msg) : setUp(msg));
}
