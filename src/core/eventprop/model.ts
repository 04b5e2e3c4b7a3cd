import { sampleEvents } from '../data/samples.ts';
import type { SpikeDataset } from '../data/tasks.ts';
import type { EventPropConfig, ExperimentConfig } from '../experiment.ts';
import type { ForwardRecord, Network } from '../network.ts';
import { eventPropBackwardInto, gradientSums, type ReadoutGrads } from './adjoint.ts';
import {
  forwardPass,
  membraneAt,
  type ArrivalTimes,
  type ExactLayer,
  type ExactLifParams,
  type ForwardPass,
  type NeuronTrace,
  type OutputKind,
  type Spike,
  readoutMax,
  withByOutput,
} from './exactLif.ts';
import { firstSpikeClass, firstSpikeLoss } from './firstSpikeLoss.ts';
import { eventStateBytes } from './memory.ts';
import { forwardPassStepped } from './steppedLif.ts';
import { maxMembraneLoss, meanMembraneLoss } from './voltageLoss.ts';

/**
 * EventProp as a training method of the run loop: the same Network parameters the BPTT engine
 * trains (weights [inputs][outputs]; delays in time steps, here times dtMs as real-valued ms),
 * the same data, Adam groups and schedules (the Trainer applies the update); only the forward
 * pass (event-driven LIF with a synaptic current) and the gradients (EventProp's adjoint) differ.
 *
 * Memory per sample: the spikes of every layer and one neuron's arrival list at a time (see
 * ArrivalLists), not time steps x neurons.
 */

/** The LIF parameters of an EventProp config (the validator makes every layer agree). */
export function eventPropLif(config: ExperimentConfig, ep: EventPropConfig): ExactLifParams {
  const neuron = config.network.layers[0]!.neuron;
  if (neuron.model !== 'lif') throw new RangeError("EventProp's neuron is LIF");
  return { tauMem: neuron.tauMs, tauSyn: ep.tauSynMs, threshold: neuron.threshold };
}

/**
 * A sample's input spikes in ms. Yin-Yang points keep their real-valued latencies (the code's
 * times before rounding to steps); recorded events keep their recorded times (channels pooled as
 * the binned data pools them); other sources spike at the start of their step.
 */
export function inputSpikes(data: SpikeDataset, sample: number, dtMs: number): Spike[] {
  const source = data.source;
  const durationMs = data.timeSteps * dtMs;
  if (source.kind === 'points') {
    const { firstStep, lastStep, biasStep } = source.encoding;
    const x = source.set.coords[2 * sample]!;
    const y = source.set.coords[2 * sample + 1]!;
    const at = (v: number) => (firstStep + Math.min(1, Math.max(0, v)) * (lastStep - firstStep)) * dtMs;
    return [
      { time: at(x), neuron: 0 },
      { time: at(y), neuron: 1 },
      { time: at(1 - x), neuron: 2 },
      { time: at(1 - y), neuron: 3 },
      { time: biasStep * dtMs, neuron: 4 },
    ];
  }
  if (source.kind === 'events') {
    const { set, pool } = source;
    const out: Spike[] = [];
    for (let e = set.offsets[sample]!; e < set.offsets[sample + 1]!; e++) {
      const time = set.timesMs[e]!;
      if (time >= 0 && time < durationMs) out.push({ time, neuron: Math.floor(set.units[e]! / pool) });
    }
    return out;
  }
  const events = sampleEvents(source, sample, data.timeSteps, data.inputs);
  return Array.from(events.steps, (step, k) => ({ time: step * dtMs, neuron: events.channels[k]! }));
}

/** One sample through the network: its pass, loss, predicted class and what the backward pass needs. */
interface SampleResult {
  pass: ForwardPass;
  loss: number;
  predicted: number;
  outputTimeGrads: Float64Array;
  readout: ReadoutGrads | null;
  /** The silent label neuron's push (first-spike loss): when its V peaked and dL/d(max V). */
  silentPeaks: Map<number, { time: number; grad: number }> | null;
}

export class EventPropModel {
  readonly lif: ExactLifParams;
  readonly durationMs: number;
  private readonly ep: EventPropConfig;
  private readonly output: OutputKind;

  constructor(
    readonly config: ExperimentConfig,
    private readonly net: Network,
    private readonly data: SpikeDataset,
  ) {
    if (!config.eventprop) throw new RangeError("training.method 'eventprop' needs an eventprop section");
    this.ep = config.eventprop;
    this.lif = eventPropLif(config, this.ep);
    this.durationMs = config.network.timeSteps * config.network.dtMs;
    const kind = this.ep.loss.kind;
    this.output = kind === 'firstSpike' ? 'spiking' : kind === 'voltageSum' ? 'integral' : 'max';
  }

  /** The network's parameters as EventProp's layers: delays converted from time steps to ms. */
  private layers(): ExactLayer[] {
    const dt = this.config.network.dtMs;
    // By output neuron too, once per batch rather than once per sample (see ExactLayer.byOutput).
    return this.net.synapses.map((s) =>
      withByOutput({
        inputs: s.inputs,
        outputs: s.outputs,
        weights: s.weights,
        delays: Float64Array.from(s.delays, (d) => d * dt),
      }),
    );
  }

  private forward(layers: readonly ExactLayer[], sample: number): ForwardPass {
    const input = inputSpikes(this.data, sample, this.config.network.dtMs);
    return this.ep.simulation === 'exact'
      ? forwardPass(this.lif, layers, input, this.durationMs, this.output)
      : forwardPassStepped(this.lif, layers, input, this.durationMs, this.config.network.dtMs, this.output);
  }

  private run(layers: readonly ExactLayer[], sample: number): SampleResult {
    const pass = this.forward(layers, sample);
    const label = this.data.labels![sample]!;
    const out = pass.layers.at(-1)!;
    const loss = this.ep.loss;
    if (loss.kind !== 'firstSpike') {
      const r = this.readoutLoss(out.traces, label, loss.kind);
      return { pass, ...r, outputTimeGrads: new Float64Array(0), silentPeaks: null };
    }
    const first = out.traces.map((t) => t.spikes[0] ?? null);
    const r = firstSpikeLoss(first, label, this.durationMs, {
      tau0: loss.tau0Ms,
      tau1: loss.tau1Ms,
      alpha: loss.alpha,
    });
    // dL/dt of the last layer's spikes in their sorted order: only each neuron's first spike carries it.
    const seen = new Set<number>();
    const outputTimeGrads = Float64Array.from(out.spikes, (s) => {
      if (seen.has(s.neuron)) return 0;
      seen.add(s.neuron);
      return r.grads[s.neuron]!;
    });
    // A silent label neuron has no spike time to move: push its highest V towards the threshold.
    let silentLoss = 0;
    let silentPeaks: SampleResult['silentPeaks'] = null;
    if (first[label] === null && loss.silentPush > 0) {
      const peak = readoutMax(this.lif, pass.arrivals(pass.layers.length - 1, label), this.durationMs);
      silentLoss = loss.silentPush * (this.lif.threshold - peak.value);
      silentPeaks = new Map([[label, { time: peak.time, grad: -loss.silentPush }]]);
    }
    return {
      pass,
      loss: r.loss + silentLoss,
      predicted: firstSpikeClass(first),
      outputTimeGrads,
      readout: null,
      silentPeaks,
    };
  }

  /** A voltage loss on the readout's traces, and the readout gradients the backward pass takes. */
  private readoutLoss(
    traces: readonly NeuronTrace[],
    label: number,
    kind: 'voltageSum' | 'voltageMax',
  ): { loss: number; predicted: number; readout: ReadoutGrads } {
    const duration = this.durationMs;
    if (kind === 'voltageSum') {
      const r = meanMembraneLoss(
        traces.map((t) => t.integral!),
        label,
        duration,
      );
      return { loss: r.loss, predicted: r.predicted, readout: { integralGrads: r.integralGrads, duration } };
    }
    const r = maxMembraneLoss(
      traces.map((t) => t.max!),
      label,
    );
    return { loss: r.loss, predicted: r.predicted, readout: { maxGrads: r.maxGrads, duration } };
  }

  /**
   * Adds to the network's gradient buffers the gradient of (mean loss on `indices`) x
   * indices.length / batchTotal, as the BPTT path does (so split batches sum to the whole
   * batch's). Delay gradients are converted back to time steps (x dtMs); frozen parameters and
   * masked synapses get none. Returns the mean loss on `indices`.
   */
  accumulate(indices: ArrayLike<number>, batchTotal: number): number {
    const layers = this.layers();
    const dt = this.config.network.dtMs;
    // The samples' gradients summed by output neuron, then added to the buffers once.
    const sums = gradientSums(layers);
    let total = 0;
    for (let b = 0; b < indices.length; b++) {
      const r = this.run(layers, indices[b]!);
      total += r.loss;
      eventPropBackwardInto(sums, this.lif, layers, r.pass, r.outputTimeGrads, r.readout, r.silentPeaks);
    }
    this.net.synapses.forEach((syn, l) => {
      const mask = syn.mask;
      const { inputs, outputs } = syn;
      const weightSums = sums.weights[l]!;
      const delaySums = sums.delays[l]!;
      // Dormant synapses keep theirs where rewiring ranks them (RigL).
      const allWeights = !mask || syn.keepDormantGradients;
      const weights = syn.computeWeightGrad;
      const delays = syn.computeDelayGrad && syn.hasDelayGradient;
      for (let i = 0; i < inputs; i++) {
        for (let j = 0; j < outputs; j++) {
          const q = i * outputs + j;
          if (weights && (allWeights || mask[q]))
            syn.gradWeights[q]! += weightSums[j * inputs + i]! / batchTotal;
          if (delays && (!mask || mask[q]))
            syn.gradDelays[q]! += (delaySums[j * inputs + i]! * dt) / batchTotal;
        }
      }
    });
    return indices.length ? total / indices.length : 0;
  }

  /** Loss sum and correct count on `indices` (predicted classes written to `predictions` at `offset`). */
  evaluate(
    indices: ArrayLike<number>,
    predictions?: Int32Array,
    offset = 0,
  ): { lossSum: number; correct: number } {
    const layers = this.layers();
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < indices.length; b++) {
      const r = this.run(layers, indices[b]!);
      lossSum += r.loss;
      if (r.predicted === this.data.labels![indices[b]!]) correct++;
      if (predictions) predictions[offset + b] = r.predicted;
    }
    return { lossSum, correct };
  }

  /** Bytes EventProp holds for one sample between its passes (eventprop/memory.ts). */
  heldBytes(sample: number): number {
    return eventStateBytes(this.forward(this.layers(), sample));
  }

  /** The predicted class of one sample (-1: no output spiked, first-spike loss). */
  predict(sample: number): number {
    return this.run(this.layers(), sample).predicted;
  }

  /**
   * One sample as the views draw it: per layer the synaptic current I and the membrane V at the
   * start of every time step (exact values of the model, sampled), and spikes binned into steps.
   * A readout's V is never reset.
   */
  record(sample: number): ForwardRecord {
    const layers = this.layers();
    const pass = this.forward(layers, sample);
    const T = this.config.network.timeSteps;
    const dt = this.config.network.dtMs;
    return {
      batch: 1,
      timeSteps: T,
      layers: pass.layers.map((layerPass, l) => {
        const n = layers[l]!.outputs;
        const current = new Float64Array(T * n);
        const membrane = new Float64Array(T * n);
        const spikes = new Float64Array(T * n);
        layerPass.traces.forEach((trace, j) => {
          sampleOnGrid(this.lif, pass.arrivals(l, j), trace, T, dt, (t, v, i) => {
            membrane[t * n + j] = v;
            current[t * n + j] = i;
          });
          for (const time of trace.spikes) {
            const step = Math.min(T - 1, Math.floor(time / dt));
            spikes[step * n + j]! += 1;
          }
        });
        return { current, neurons: { membrane, spikes } };
      }),
    };
  }
}

/** Calls `visit(step, V, I)` at t = step x dt for every step: the neuron's state, reset at its spikes. */
function sampleOnGrid(
  p: ExactLifParams,
  arrivals: ArrivalTimes,
  trace: NeuronTrace,
  steps: number,
  dt: number,
  visit: (step: number, v: number, i: number) => void,
): void {
  let t = 0;
  let v = 0;
  let current = 0;
  let a = 0;
  let s = 0;
  const advance = (to: number) => {
    v = membraneAt(p, v, current, to - t);
    current *= Math.exp(-(to - t) / p.tauSyn);
    t = to;
  };
  for (let step = 0; step < steps; step++) {
    const at = step * dt;
    // Events up to this sample time, in order: arrivals jump I, own spikes reset V.
    for (;;) {
      const nextArrival = a < arrivals.count ? arrivals.time[a]! : Infinity;
      const nextSpike = s < trace.spikes.length ? trace.spikes[s]! : Infinity;
      const next = Math.min(nextArrival, nextSpike);
      if (next > at) break;
      advance(next);
      if (nextSpike <= nextArrival) {
        v = 0;
        s++;
      } else current += arrivals.jump[a++]!;
    }
    advance(at);
    visit(step, v, current);
  }
}
