/**
 * Worker thread of the data-parallel CPU trainer (parallelCpuEngine.ts): a shared-memory replica
 * (src/core/parallel/sharedReplicaHost.ts) answering the main thread's requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { SharedReplicaSetup } from '../core/parallel/sharedModel.ts';
import { SharedReplicaHost, type GradientRequest } from '../core/parallel/sharedReplicaHost.ts';
import { installCpuKernels, type CpuKernels } from '../wasm/install.ts';

const setup = workerData as SharedReplicaSetup & { kernels: CpuKernels };
installCpuKernels(setup.kernels);
const host = new SharedReplicaHost(setup);

parentPort!.on('message', (req: GradientRequest) => {
  const { reply, transfer } = host.handle(req);
  parentPort!.postMessage(reply, transfer);
});
