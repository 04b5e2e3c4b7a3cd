/**
 * Worker thread of the data-parallel CPU trainer: a replica of the network whose weights and
 * delays are views of the main thread's shared memory (read-only here) and whose gradients
 * live in shared memory of its own. For each request it runs forward + loss + backward on its
 * part of the batch and answers with the loss; the main thread sums the gradients and steps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type {
  EvaluationReply,
  EvaluationRequest,
  ReplicaRequest,
  SumSliceRequest,
  UpdateSliceRequest,
} from '../core/dataParallel.ts';
import { sumAndCheckSlice, updateSlice } from '../core/train/shardedUpdate.ts';
import type { ExperimentConfig } from '../core/experiment.ts';
import type { SpikeDataset } from '../core/data/tasks.ts';
import type { Precision } from '../core/tensor.ts';
import { Trainer } from '../core/trainer.ts';
import { momentViews, viewShared, type SharedLayerBuffers, type SharedMoments } from './sharedStorage.ts';
import { installCpuKernels, type CpuKernels } from '../wasm/install.ts';

export type GradientRequest = ReplicaRequest | EvaluationRequest | SumSliceRequest | UpdateSliceRequest;

export type GradientReply =
  | { ok: true; loss: number }
  | ({ ok: true; kind: 'evaluate' } & EvaluationReply)
  | { ok: true; firstBadLayer: number }
  | { ok: true; updated: true }
  | { ok: false; message: string };

const data = workerData as {
  config: ExperimentConfig;
  precision: Precision;
  shared: SharedLayerBuffers[];
  ownGrads: SharedLayerBuffers[];
  data: SpikeDataset;
  kernels: CpuKernels;
  /** Each layer's connectivity mask (drawn by the main thread's initialisation), or null. */
  masks: (Uint8Array | null)[];
  /** Each compact layer's stored synapses (the main trainer's, in shared memory), or null. */
  structure: (Int32Array | null)[];
  /** Each rewired layer's seed (RigL's dormant gradients are taken at its birth delays), or null. */
  rewiringSeeds: (number | null)[];
  /** Every replica's gradients (this one's too), for its slice of a sharded step's sum. */
  replicaGrads: SharedLayerBuffers[][];
  /** The main trainer's optimiser moments, for its slice of a sharded step; null: not sharded. */
  moments: { weights: SharedMoments | null; delays: SharedMoments | null }[] | null;
};
installCpuKernels(data.kernels);
const params = viewShared(data.shared, data.precision);
const grads = viewShared(data.ownGrads, data.precision);
const replica = new Trainer(data.config, {
  precision: data.precision,
  initialise: false,
  data: data.data,
  structure: data.structure,
  rewiringSeeds: data.rewiringSeeds,
  storage: params.map((p, l) => ({
    weights: p.weights,
    delays: p.delays,
    gradWeights: grads[l]!.gradWeights,
    gradDelays: grads[l]!.gradDelays,
    ...(grads[l]!.dormantGradWeights ? { dormantGradWeights: grads[l]!.dormantGradWeights } : {}),
  })),
});
data.masks.forEach((mask, l) => (replica.net.synapses[l]!.mask = mask));
// A sharded step's slices work on the main trainer's gradient sums (its shared gradient arrays),
// the replicas' gradients and the shared moments; parameters are the shared ones the replica has.
const mainGrads = viewShared(data.shared, data.precision);
const sliced = replica.net.synapses.map((s, l) => ({
  weights: s.weights,
  delays: s.delays,
  gradWeights: mainGrads[l]!.gradWeights,
  gradDelays: mainGrads[l]!.gradDelays,
  computeWeightGrad: s.computeWeightGrad,
  computeDelayGrad: s.computeDelayGrad,
  constrainSlice: (from: number, to: number) => s.constrainSlice(from, to),
}));
const replicaGrads = data.replicaGrads.map((g) => viewShared(g, data.precision));
const moments = data.moments ? momentViews(data.moments) : null;
const updated = data.moments?.map((l) => ({ weights: l.weights !== null, delays: l.delays !== null })) ?? [];

parentPort!.on('message', (req: GradientRequest) => {
  try {
    if ('kind' in req && req.kind === 'sumSlice') {
      const grads = req.sources.map((w) => replicaGrads[w]!);
      const firstBadLayer = sumAndCheckSlice(sliced, grads, updated, req.part, req.parts);
      parentPort!.postMessage({ ok: true, firstBadLayer } satisfies GradientReply);
      return;
    }
    if ('kind' in req && req.kind === 'updateSlice') {
      if (!moments) throw new Error('this gradient thread was not given the optimiser moments');
      updateSlice(sliced, moments, req.plan, req.part, req.parts);
      parentPort!.postMessage({ ok: true, updated: true } satisfies GradientReply);
      return;
    }
    if ('kind' in req) {
      // A share of an evaluation: forward passes on the shared parameters at the host's sigma.
      replica.net.setSigma(req.sigma);
      const predictions = req.predictions ? new Int32Array(req.indices.length) : null;
      const r = replica.evaluate(req.indices, predictions ?? undefined);
      const n = req.indices.length;
      const reply: GradientReply = {
        ok: true,
        kind: 'evaluate',
        lossSum: r.loss * n,
        correct: Math.round((r.accuracy ?? 0) * n),
        predictions,
      };
      parentPort!.postMessage(reply, predictions ? [predictions.buffer] : []);
      return;
    }
    replica.step = req.step;
    replica.net.setSigma(req.sigma);
    replica.net.zeroGrad();
    const loss = replica.accumulateGradients(req.indices, req.batchTotal);
    parentPort!.postMessage({ ok: true, loss } satisfies GradientReply);
  } catch (e) {
    parentPort!.postMessage({
      ok: false,
      message: e instanceof Error ? e.message : String(e),
    } satisfies GradientReply);
  }
});
