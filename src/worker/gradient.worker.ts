/**
 * Module Worker started by the training Worker's CPU engine (workerPoolEngine.ts): a replica of
 * the network that computes the gradients of its part of each batch on the parameters it is sent
 * and answers with them.
 */
import { Trainer } from '../core/trainer.ts';
import { installCpuKernels } from '../wasm/install.ts';
import type { FromReplica, ToReplica } from './replicaProtocol.ts';

interface WorkerScope {
  postMessage(message: FromReplica, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToReplica>) => void) | null;
}
const scope = self as unknown as WorkerScope;
let replica: Trainer | null = null;

function handle(msg: ToReplica): void {
  if (msg.type === 'init') {
    installCpuKernels(msg.kernels);
    replica = new Trainer(msg.config, {
      precision: 'f32',
      initialise: false,
      data: msg.data,
      structure: msg.structure,
      rewiringSeeds: msg.rewiringSeeds,
    });
    scope.postMessage({ type: 'ready' }, []);
    return;
  }
  if (!replica) throw new Error('a step arrived before the replica was set up');
  const net = replica.net;
  msg.parameters.forEach((p, l) => {
    const layer = net.synapses[l]!;
    if (p.synapses) layer.synapseIndex!.set(p.synapses);
    layer.weights.set(p.weights);
    layer.delays.set(p.delays);
    layer.mask = p.mask;
  });
  replica.step = msg.step;
  net.setSigma(msg.sigma);
  net.zeroGrad();
  const loss = replica.accumulateGradients(msg.indices, msg.batchTotal);
  const grads = net.synapses.map((s) => ({
    gradWeights: Float32Array.from(s.gradWeights),
    gradDelays: Float32Array.from(s.gradDelays),
    dormantGradWeights: s.dormantGradWeights ? Float32Array.from(s.dormantGradWeights) : null,
  }));
  scope.postMessage(
    { type: 'gradients', loss, grads },
    grads.flatMap((g) => [
      g.gradWeights.buffer,
      g.gradDelays.buffer,
      ...(g.dormantGradWeights ? [g.dormantGradWeights.buffer] : []),
    ]),
  );
}

scope.onmessage = (event: MessageEvent<ToReplica>) => {
  try {
    handle(event.data);
  } catch (e) {
    scope.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) }, []);
  }
};
