import type { OptionValue, READOUTS } from '../options.ts';
import { allocReal, type Precision, type RealArray } from '../tensor.ts';

/**
 * Losses and readouts on the output layer's record (`[batch][time][outputs]`). Each returns the
 * mean loss over the batch and the gradients with respect to the output membrane and spikes,
 * which the output neurons' backward pass consumes.
 */
/** How the spike-time loss filters spike trains (see LossConfig 'spikeTime'). */
export type TraceKernel = 'exponential' | 'alpha';

export type LossConfig =
  /** Cross-entropy on logits = membrane summed over time (a leaky readout, as DCLS does). */
  | { kind: 'ceSumMembrane' }
  /** Cross-entropy on logits = the maximum membrane over time. */
  | { kind: 'ceMaxMembrane' }
  /** Squared error between spike counts and target counts (SLAYER's NumSpikes). */
  | { kind: 'spikeCount'; trueRate: number; falseRate: number }
  /**
   * SLAYER spike-time loss: 0.5 sum_t (a(t) - a_target(t))^2 with a = the spike train filtered
   * by a kernel of time constant `traceTauSteps` (0 = raw spikes): a decaying exponential
   * exp(-n / tau) (the default), or SLAYER's rising alpha (n / tau) exp(1 - n / tau), which peaks
   * at 1, tau steps after the spike (the delay-only authors' code). Classification targets: the
   * correct neuron spikes at every step, the others stay silent.
   */
  | {
      kind: 'spikeTime';
      traceTauSteps: number;
      /** The filter; absent = 'exponential' (added after version 1 shipped). */
      traceKernel?: TraceKernel;
      /** With labels, the true class's target spikes at steps [0, targetSteps); null = every step. */
      targetSteps: number | null;
    }
  /**
   * First-spike-time regression: the first threshold crossing of each output, interpolated
   * between steps, is pulled to its target step; a silent output is pushed up by
   * relu(silentMargin * threshold - u[target]).
   */
  | { kind: 'firstSpikeTime'; timeScale: number; silentMargin: number };

export type Targets =
  | { kind: 'labels'; labels: Int32Array }
  /** Target first-spike step for every (sample, output), row-major [batch][outputs]. */
  | { kind: 'spikeTimes'; times: Float64Array };

export interface LossResult {
  loss: number;
  gradMembrane: RealArray | null;
  gradSpikes: RealArray | null;
}

export interface OutputRecord {
  membrane: ArrayLike<number>;
  spikes: ArrayLike<number>;
  batch: number;
  timeSteps: number;
  outputs: number;
  threshold: number;
}

function labelsOf(targets: Targets, loss: string): Int32Array {
  if (targets.kind !== 'labels') throw new Error(`loss ${loss} needs class labels`);
  return targets.labels;
}

/** Softmax cross-entropy on logits; writes dL/dlogits (already divided by batch) into grad. */
function crossEntropy(logits: Float64Array, label: number, grad: Float64Array, batch: number): number {
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, logits[j]!);
  let z = 0;
  for (let j = 0; j < logits.length; j++) z += Math.exp(logits[j]! - max);
  for (let j = 0; j < logits.length; j++) {
    grad[j] = (Math.exp(logits[j]! - max) / z - (j === label ? 1 : 0)) / batch;
  }
  return (Math.log(z) + max - logits[label]!) / batch;
}

export function computeLoss(
  config: LossConfig,
  out: OutputRecord,
  targets: Targets,
  precision: Precision,
): LossResult {
  const { batch, timeSteps: T, outputs: n, membrane, spikes } = out;
  const size = batch * T * n;
  // A diverged network must not score a loss: branches below compare with NaN and would skip it.
  for (let q = 0; q < size; q++) {
    if (!Number.isFinite(membrane[q]!) || !Number.isFinite(spikes[q]!)) {
      return { loss: Number.NaN, gradMembrane: null, gradSpikes: null };
    }
  }
  const logits = new Float64Array(n);
  const gl = new Float64Array(n);
  let loss = 0;
  switch (config.kind) {
    case 'ceSumMembrane':
    case 'ceMaxMembrane': {
      const labels = labelsOf(targets, config.kind);
      const gradMembrane = allocReal(precision, size);
      const argmax = new Int32Array(n);
      for (let b = 0; b < batch; b++) {
        logits.fill(config.kind === 'ceSumMembrane' ? 0 : -Infinity);
        for (let t = 0; t < T; t++) {
          const base = (b * T + t) * n;
          for (let j = 0; j < n; j++) {
            const u = membrane[base + j]!;
            if (config.kind === 'ceSumMembrane') logits[j]! += u;
            else if (u > logits[j]!) {
              logits[j] = u;
              argmax[j] = t;
            }
          }
        }
        loss += crossEntropy(logits, labels[b]!, gl, batch);
        for (let j = 0; j < n; j++) {
          if (config.kind === 'ceSumMembrane') {
            for (let t = 0; t < T; t++) gradMembrane[(b * T + t) * n + j] = gl[j]!;
          } else {
            gradMembrane[(b * T + argmax[j]!) * n + j] = gl[j]!;
          }
        }
      }
      return { loss, gradMembrane, gradSpikes: null };
    }
    case 'spikeCount': {
      const labels = labelsOf(targets, config.kind);
      const gradSpikes = allocReal(precision, size);
      for (let b = 0; b < batch; b++) {
        const counts = new Float64Array(n);
        for (let t = 0; t < T; t++) for (let j = 0; j < n; j++) counts[j]! += spikes[(b * T + t) * n + j]!;
        for (let j = 0; j < n; j++) {
          const target = T * (j === labels[b] ? config.trueRate : config.falseRate);
          const e = counts[j]! - target;
          loss += (0.5 * e * e) / batch;
          for (let t = 0; t < T; t++) gradSpikes[(b * T + t) * n + j] = e / batch;
        }
      }
      return { loss, gradMembrane: null, gradSpikes };
    }
    case 'spikeTime': {
      const gradSpikes = allocReal(precision, size);
      const decay = config.traceTauSteps > 0 ? Math.exp(-1 / config.traceTauSteps) : 0;
      const alpha = config.traceKernel === 'alpha';
      // The alpha kernel (n / tau) e^(1 - n / tau) = (e / tau) n decay^n, by two recursions.
      const scale = alpha ? Math.E / config.traceTauSteps : 1;
      const target = targetSpikeTrains(targets, batch, T, n, config.targetSteps);
      const err = new Float64Array(T);
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < n; j++) {
          // Exponential: a[t] = decay a[t-1] + s[t]. Alpha: x[t] = decay x[t-1] + s[t] and
          // y[t] = decay (y[t-1] + x[t-1]), a[t] = scale y[t]. Error e[t] = a[t] - a_target[t].
          let x = 0;
          let y = 0;
          let xHat = 0;
          let yHat = 0;
          for (let t = 0; t < T; t++) {
            const idx = (b * T + t) * n + j;
            if (alpha) {
              y = decay * (y + x);
              yHat = decay * (yHat + xHat);
            }
            x = decay * x + spikes[idx]!;
            xHat = decay * xHat + target[idx]!;
            err[t] = alpha ? scale * (y - yHat) : x - xHat;
            loss += (0.5 * err[t]! * err[t]!) / batch;
          }
          // dL/ds[t] = sum_{t' >= t} e[t'] k(t' - t): the error filtered backwards in time.
          let back = 0;
          let backY = 0;
          for (let t = T - 1; t >= 0; t--) {
            if (alpha) backY = decay * (backY + back);
            back = decay * back + err[t]!;
            gradSpikes[(b * T + t) * n + j] = (alpha ? scale * backY : back) / batch;
          }
        }
      }
      return { loss, gradMembrane: null, gradSpikes };
    }
    case 'firstSpikeTime': {
      if (targets.kind !== 'spikeTimes') throw new Error('loss firstSpikeTime needs target spike times');
      const gradMembrane = allocReal(precision, size);
      const theta = out.threshold;
      for (let b = 0; b < batch; b++) {
        for (let j = 0; j < n; j++) {
          const tgt = targets.times[b * n + j]!;
          const at = (t: number): number => (b * T + t) * n + j;
          let first = -1;
          for (let t = 0; t < T; t++) {
            if (membrane[at(t)]! >= theta) {
              first = t;
              break;
            }
          }
          if (first < 0) {
            const tt = Math.min(T - 1, Math.max(0, Math.round(tgt)));
            const gap = config.silentMargin * theta - membrane[at(tt)]!;
            if (gap > 0) {
              loss += gap / batch;
              gradMembrane[at(tt)]! -= 1 / batch;
            }
            continue;
          }
          if (first === 0) continue; // crossing at the first step: no interpolation possible
          // Interpolated crossing t* = (n - 1) + (theta - u[n-1]) / (u[n] - u[n-1]); a crossing in
          // (n - 1, n] is a spike at step n, so the aim is target - 0.5.
          const u0 = membrane[at(first - 1)]!;
          const u1 = membrane[at(first)]!;
          const du = u1 - u0;
          const tStar = first - 1 + (theta - u0) / du;
          const e = (tStar - (tgt - 0.5)) / config.timeScale;
          loss += (e * e) / batch;
          const dLdt = (2 * e) / config.timeScale / batch;
          gradMembrane[at(first)]! += dLdt * (-(theta - u0) / (du * du));
          gradMembrane[at(first - 1)]! += dLdt * (-(u1 - theta) / (du * du));
        }
      }
      return { loss, gradMembrane, gradSpikes: null };
    }
  }
}

/** Dense target spike trains [batch][time][outputs] for the spike-time loss. */
function targetSpikeTrains(
  targets: Targets,
  batch: number,
  T: number,
  n: number,
  targetSteps: number | null,
): Float64Array {
  const until = targetSteps === null ? T : Math.min(T, targetSteps);
  const out = new Float64Array(batch * T * n);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < n; j++) {
      if (targets.kind === 'labels') {
        if (targets.labels[b] !== j) continue;
        for (let t = 0; t < until; t++) out[(b * T + t) * n + j] = 1;
      } else {
        const t = Math.round(targets.times[b * n + j]!);
        if (t >= 0 && t < T) out[(b * T + t) * n + j] = 1;
      }
    }
  }
  return out;
}

export type Readout = OptionValue<typeof READOUTS>;

/** The readout a loss implies: logits for cross-entropy, first spike for spike-time losses. */
export function defaultReadout(loss: LossConfig): Readout {
  switch (loss.kind) {
    case 'ceSumMembrane':
    case 'ceMaxMembrane':
      return 'logits';
    case 'spikeCount':
      return 'count';
    case 'spikeTime':
    case 'firstSpikeTime':
      return 'firstSpike';
  }
}

/**
 * Predicted class per sample. 'firstSpike': the output that spikes first, ties broken by the
 * larger spike count (then the lower index); -1 when no output spikes. 'firstSpikeOrCount': the
 * output that spikes first; on a tie, the output with the most spikes of all (then the lower
 * index), which may be one that spiked later: the delay-only authors' code reads its network so.
 * 'count': most spikes, ties broken by the earlier first spike. 'logits': arg-max of the membrane
 * summed over time.
 */
export function predict(out: OutputRecord, readout: Readout, loss: LossConfig): Int32Array {
  const { batch, timeSteps: T, outputs: n, membrane, spikes } = out;
  const pred = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const first = new Float64Array(n).fill(Infinity);
    const count = new Float64Array(n);
    const logit = new Float64Array(n).fill(loss.kind === 'ceMaxMembrane' ? -Infinity : 0);
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < n; j++) {
        const idx = (b * T + t) * n + j;
        const s = spikes[idx]!;
        if (s > 0) {
          count[j]! += s;
          if (first[j] === Infinity) first[j] = t;
        }
        const u = membrane[idx]!;
        if (loss.kind === 'ceMaxMembrane') logit[j] = Math.max(logit[j]!, u);
        else logit[j]! += u;
      }
    }
    let best = -1;
    for (let j = 0; j < n; j++) {
      if (readout === 'logits') {
        if (best < 0 || logit[j]! > logit[best]!) best = j;
      } else if (readout === 'count') {
        if (count[j]! === 0) continue;
        if (best < 0 || count[j]! > count[best]! || (count[j] === count[best] && first[j]! < first[best]!))
          best = j;
      } else {
        if (first[j] === Infinity) continue;
        if (best < 0 || first[j]! < first[best]! || (first[j] === first[best] && count[j]! > count[best]!))
          best = j;
      }
    }
    if (
      readout === 'firstSpikeOrCount' &&
      best >= 0 &&
      first.some((f, j) => j !== best && f === first[best])
    ) {
      best = 0;
      for (let j = 1; j < n; j++) if (count[j]! > count[best]!) best = j;
    }
    pred[b] = best;
  }
  return pred;
}

/** First step at which each (sample, output) spikes, or -1: [batch][outputs]. */
export function firstSpikeSteps(out: OutputRecord): Int32Array {
  const { batch, timeSteps: T, outputs: n, spikes } = out;
  const first = new Int32Array(batch * n).fill(-1);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < n; j++) {
      for (let t = 0; t < T; t++) {
        if (spikes[(b * T + t) * n + j]! > 0) {
          first[b * n + j] = t;
          break;
        }
      }
    }
  }
  return first;
}
