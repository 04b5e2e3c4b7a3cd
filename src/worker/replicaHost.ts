/**
 * What a gradient Worker does with each message (gradient.worker.ts is its shell): a replica of
 * the network that computes the gradients of its part of a batch, or evaluates its share of a
 * split, on the parameters each message carries. Kept apart from the Worker so that tests can
 * run the same code in-process behind a stand-in Worker.
 */
import { evaluateShare } from '../core/dataParallel.ts';
import { Trainer } from '../core/trainer.ts';
import { installCpuKernels } from '../wasm/install.ts';
import type { FromReplica, ReplicaParameters, ToReplica } from './replicaProtocol.ts';

export interface ReplicaAnswer {
  reply: FromReplica;
  /** Buffers the reply hands over (the gradients or predictions it allocated). */
  transfer: Transferable[];
}

export class ReplicaHost {
  private replica: Trainer | null = null;

  /** The answer to one message; a failure is answered as `{ type: 'error' }`, never thrown. */
  handle(msg: ToReplica): ReplicaAnswer {
    try {
      return this.answer(msg);
    } catch (e) {
      return { reply: { type: 'error', message: e instanceof Error ? e.message : String(e) }, transfer: [] };
    }
  }

  private answer(msg: ToReplica): ReplicaAnswer {
    if (msg.type === 'init') {
      installCpuKernels(msg.kernels);
      this.replica = new Trainer(msg.config, {
        precision: 'f32',
        initialise: false,
        data: msg.data,
        structure: msg.structure,
        rewiringSeeds: msg.rewiringSeeds,
      });
      return { reply: { type: 'ready' }, transfer: [] };
    }
    const replica = this.replica;
    if (!replica) throw new Error(`a '${msg.type}' request arrived before the replica was set up`);
    this.load(replica, msg.parameters);
    replica.net.setSigma(msg.sigma);
    if (msg.type === 'evaluate') {
      const reply = evaluateShare(replica, msg.indices, msg.predictions);
      return {
        reply: { type: 'evaluation', ...reply },
        transfer: reply.predictions ? [reply.predictions.buffer] : [],
      };
    }
    replica.step = msg.step;
    replica.net.zeroGrad();
    const loss = replica.accumulateGradients(msg.indices, msg.batchTotal);
    const grads = replica.net.synapses.map((s) => ({
      gradWeights: Float32Array.from(s.gradWeights),
      gradDelays: Float32Array.from(s.gradDelays),
      dormantGradWeights: s.dormantGradWeights ? Float32Array.from(s.dormantGradWeights) : null,
    }));
    return {
      reply: { type: 'gradients', loss, grads },
      transfer: grads.flatMap((g) => [
        g.gradWeights.buffer,
        g.gradDelays.buffer,
        ...(g.dormantGradWeights ? [g.dormantGradWeights.buffer] : []),
      ]),
    };
  }

  /** The training Worker's current parameters, masks and compact structure into the replica. */
  private load(replica: Trainer, parameters: ReplicaParameters[]): void {
    parameters.forEach((p, l) => {
      const layer = replica.net.synapses[l]!;
      if (p.synapses) layer.synapseIndex!.set(p.synapses);
      layer.weights.set(p.weights);
      layer.delays.set(p.delays);
      layer.mask = p.mask;
    });
  }
}
