import {
  evaluateShare,
  type EvaluationReply,
  type EvaluationRequest,
  type ReplicaRequest,
  type SumSliceRequest,
  type UpdateSliceRequest,
} from '../dataParallel.ts';
import {
  sumAndCheckSlice,
  updateSlice,
  type SlicedLayer,
  type UpdatedTensors,
} from '../train/shardedUpdate.ts';
import { Trainer } from '../trainer.ts';
import type { LayerMoments } from '../train/shardedUpdate.ts';
import type { SharedReplicaSetup } from './sharedModel.ts';
import type { LayerStorage } from '../synapses/delayLayer.ts';
import { momentViews, viewShared } from './sharedStorage.ts';

export type GradientRequest = ReplicaRequest | EvaluationRequest | SumSliceRequest | UpdateSliceRequest;

export type GradientReply =
  | { ok: true; loss: number }
  | ({ ok: true; kind: 'evaluate' } & EvaluationReply)
  | { ok: true; firstBadLayer: number }
  | { ok: true; updated: true }
  | { ok: false; message: string };

/**
 * What a gradient thread (a Node worker thread, a browser Worker in a cross-origin-isolated page)
 * does: a replica of the network whose weights and delays are views of the main thread's shared
 * memory (read-only here) and whose gradients live in shared memory of its own. For each request
 * it runs forward + loss + backward on its part of a batch and answers with the loss, evaluates
 * its share of a split, or sums, checks and steps its slice of a split optimiser step.
 */
export class SharedReplicaHost {
  private readonly replica: Trainer;
  /** The layers as a split step's slices see them: the main trainer's gradient sums. */
  private readonly sliced: SlicedLayer[];
  /** Every replica's gradients (this one's too), for a split step's sums. */
  private readonly replicaGrads: LayerStorage[][];
  private readonly moments: LayerMoments[] | null;
  private readonly updated: UpdatedTensors[];

  constructor(setup: SharedReplicaSetup) {
    const params = viewShared(setup.shared, setup.precision);
    const grads = viewShared(setup.ownGrads, setup.precision);
    this.replica = new Trainer(setup.config, {
      precision: setup.precision,
      initialise: false,
      data: setup.data,
      structure: setup.structure,
      rewiringSeeds: setup.rewiringSeeds,
      storage: params.map((p, l) => ({
        weights: p.weights,
        delays: p.delays,
        gradWeights: grads[l]!.gradWeights,
        gradDelays: grads[l]!.gradDelays,
        ...(grads[l]!.dormantGradWeights ? { dormantGradWeights: grads[l]!.dormantGradWeights } : {}),
      })),
    });
    setup.masks.forEach((mask, l) => (this.replica.net.synapses[l]!.mask = mask));
    // A split step's slices work on the main trainer's gradient sums (its shared gradient
    // arrays), the replicas' gradients and the shared moments; parameters are the shared ones.
    const mainGrads = viewShared(setup.shared, setup.precision);
    this.sliced = this.replica.net.synapses.map((s, l) => ({
      weights: s.weights,
      delays: s.delays,
      gradWeights: mainGrads[l]!.gradWeights,
      gradDelays: mainGrads[l]!.gradDelays,
      computeWeightGrad: s.computeWeightGrad,
      computeDelayGrad: s.computeDelayGrad,
      constrainSlice: (from: number, to: number) => s.constrainSlice(from, to),
    }));
    this.replicaGrads = setup.replicaGrads.map((g) => viewShared(g, setup.precision));
    this.moments = setup.moments ? momentViews(setup.moments) : null;
    this.updated =
      setup.moments?.map((l) => ({ weights: l.weights !== null, delays: l.delays !== null })) ?? [];
  }

  /** The answer to one request; a failure is answered as `{ ok: false }`, never thrown. */
  handle(req: GradientRequest): { reply: GradientReply; transfer: ArrayBuffer[] } {
    try {
      return this.answer(req);
    } catch (e) {
      return { reply: { ok: false, message: e instanceof Error ? e.message : String(e) }, transfer: [] };
    }
  }

  private answer(req: GradientRequest): { reply: GradientReply; transfer: ArrayBuffer[] } {
    const replica = this.replica;
    if ('kind' in req && req.kind === 'sumSlice') {
      const grads = req.sources.map((w) => this.replicaGrads[w]!);
      const firstBadLayer = sumAndCheckSlice(this.sliced, grads, this.updated, req.part, req.parts);
      return { reply: { ok: true, firstBadLayer }, transfer: [] };
    }
    if ('kind' in req && req.kind === 'updateSlice') {
      if (!this.moments) throw new Error('this gradient thread was not given the optimiser moments');
      updateSlice(this.sliced, this.moments, req.plan, req.part, req.parts);
      return { reply: { ok: true, updated: true }, transfer: [] };
    }
    if ('kind' in req) {
      // A share of an evaluation: forward passes on the shared parameters at the host's sigma.
      replica.net.setSigma(req.sigma);
      const reply = evaluateShare(replica, req.indices, req.predictions);
      return {
        reply: { ok: true, kind: 'evaluate', ...reply },
        transfer: reply.predictions ? [reply.predictions.buffer as ArrayBuffer] : [],
      };
    }
    replica.step = req.step;
    replica.net.setSigma(req.sigma);
    replica.net.zeroGrad();
    const loss = replica.accumulateGradients(req.indices, req.batchTotal);
    return { reply: { ok: true, loss }, transfer: [] };
  }
}
