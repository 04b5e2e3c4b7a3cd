import { histogram } from '../core/analysis/histogram.ts';
import { confusionMatrix, confusionStride, silentCounts } from '../core/analysis/confusion.ts';
import { maxMoransIOverRowPermutations } from '../core/analysis/moransI.ts';
import { hiddenField, outputField } from '../core/analysis/receptiveFields.ts';
import { gatherBatch, type SpikeDataset } from '../core/data/tasks.ts';
import type { DelayLayer } from '../core/synapses/delayLayer.ts';
import { delayRange } from '../core/synapses/kernels.ts';
import type { RealArray } from '../core/tensor.ts';
import type { Trainer } from '../core/trainer.ts';
import { firstSpikeSteps } from '../core/train/losses.ts';
import {
  LIVE_MORAN_PERMUTATIONS,
  type HistogramRecord,
  type LayerRecord,
  type TestReport,
  type ViewSelection,
  type ViewSnapshot,
} from './protocol.ts';

/** Bars of the delay and weight histograms. */
export const HISTOGRAM_BINS = 24;
/** Test samples shown with their predictions. */
export const GALLERY_SAMPLES = 12;

/** The split the views draw samples from: test, else validation, else train. */
export function viewSplit(data: SpikeDataset): Int32Array {
  if (data.test.length > 0) return data.test;
  if (data.validation.length > 0) return data.validation;
  return data.train;
}

function clampSelection(trainer: Trainer, s: ViewSelection): ViewSelection {
  const split = viewSplit(trainer.data);
  const layers = trainer.config.network.layers;
  const clamp = (v: number, n: number) => Math.min(Math.max(0, Math.floor(v)), Math.max(0, n - 1));
  return {
    sample: clamp(s.sample, split.length),
    hiddenNeuron: clamp(s.hiddenNeuron, layers[0]!.size),
    outputNeuron: clamp(s.outputNeuron, layers.at(-1)!.size),
  };
}

function layerName(l: number, layers: number): string {
  return l === layers - 1 ? 'output' : layers > 2 ? `hidden ${l + 1}` : 'hidden';
}

function toSpikes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! > 0 ? 1 : 0;
  return out;
}

/**
 * The histogram range of a layer's delays: the kernel's whole range [0, Td - 1] time steps. A
 * compact layer's histograms count its existing synapses only.
 */
function delayHistograms(trainer: Trainer): HistogramRecord[] {
  const layers = trainer.config.network.layers;
  return trainer.net.synapses.map((syn, l) => {
    const range = delayRange(layers[l]!.kernel.maxDelay);
    const hi = Math.max(range.min + 1, range.max);
    return {
      name: layerName(l, layers.length),
      ...histogram(existing(syn, syn.delays), HISTOGRAM_BINS, range.min, hi),
    };
  });
}

/** Weight histograms over each layer's own symmetric range, so a fixed-weight layer stays readable. */
function weightHistograms(trainer: Trainer): HistogramRecord[] {
  const layers = trainer.config.network.layers;
  return trainer.net.synapses.map((syn, l) => {
    let m = 0;
    for (let i = 0; i < syn.weights.length; i++) {
      const w = Math.abs(syn.weights[i]!);
      if (Number.isFinite(w) && w > m) m = w;
    }
    const hi = m > 0 ? m : 1;
    return {
      name: layerName(l, layers.length),
      ...histogram(existing(syn, syn.weights), HISTOGRAM_BINS, -hi, hi),
    };
  });
}

/** A layer's values of its existing synapses only (a masked dense layer's absent ones left out). */
function existing(syn: DelayLayer, values: RealArray): ArrayLike<number> {
  const mask = syn.mask;
  return mask ? values.filter((_, q) => mask[q] !== 0) : values;
}

/** Networks with at most this many synapses are drawn synapse by synapse (the toy, patterns, Yin-Yang). */
export const NETWORK_PICTURE_SYNAPSES = 2500;

/**
 * Everything the live views draw for the current parameters (on the CPU trainer; the GPU engine
 * syncs first): the chosen sample's spikes and membranes per layer, delay and weight histograms,
 * receptive fields of the chosen neurons, and the toy's teaching extras.
 */
export function computeViews(trainer: Trainer, selection: ViewSelection): ViewSnapshot {
  const sel = clampSelection(trainer, selection);
  const { data, net, config } = trainer;
  const split = viewSplit(data);
  const sample = split[sel.sample] ?? 0;
  const input = gatherBatch(data, [sample]);
  const rec = trainer.record(sample);
  const layersCfg = config.network.layers;
  const layers: LayerRecord[] = [
    { name: 'input', neurons: config.network.inputs, spikes: toSpikes(input), membrane: null },
    ...rec.layers.map((l, i): LayerRecord => ({
      name: layerName(i, layersCfg.length),
      neurons: layersCfg[i]!.size,
      spikes: toSpikes(l.neurons.spikes),
      membrane: Float32Array.from(l.neurons.membrane),
    })),
  ];
  const prediction = data.labels ? trainer.predictSample(sample, rec) : -1;
  const first = net.synapses[0]!;
  const hidden = layersCfg.length > 1;
  let outputFieldView: ViewSnapshot['outputField'] = null;
  if (layersCfg.length === 2) {
    const second = net.synapses[1]!;
    const delaySpan = layersCfg[0]!.kernel.maxDelay + layersCfg[1]!.kernel.maxDelay - 1;
    const field = outputField(
      first.toDense(first.weights),
      first.toDense(first.delays),
      first.inputs,
      layersCfg[0]!.size,
      second.toDense(second.weights),
      second.toDense(second.delays),
      sel.outputNeuron,
      delaySpan,
      layersCfg[1]!.kernel.rounding,
    );
    const moran = maxMoransIOverRowPermutations(
      { values: field.grid, rows: first.inputs, cols: delaySpan },
      { permutations: LIVE_MORAN_PERMUTATIONS, seed: sel.outputNeuron },
    );
    outputFieldView = { neuron: sel.outputNeuron, delaySpan, grid: field.grid, moransI: moran.max.value };
  }
  return {
    step: trainer.step,
    selection: sel,
    sampleLabel: data.labels ? data.labels[sample]! : null,
    samplePrediction: prediction,
    layers,
    threshold: net.neurons.map((n) => n.threshold),
    delayHistograms: delayHistograms(trainer),
    weightHistograms: weightHistograms(trainer),
    hiddenField: {
      neuron: hidden ? sel.hiddenNeuron : sel.outputNeuron,
      points: hiddenField(
        first.toDense(first.weights),
        first.toDense(first.delays),
        first.inputs,
        hidden ? sel.hiddenNeuron : sel.outputNeuron,
      ),
    },
    outputField: outputFieldView,
    network:
      net.synapses.reduce((n, syn) => n + syn.possibleSynapses, 0) <= NETWORK_PICTURE_SYNAPSES
        ? net.synapses.map((syn) => ({
            weights: Float32Array.from(syn.toDense(syn.weights)),
            delays: Float32Array.from(syn.toDense(syn.delays)),
          }))
        : null,
    structure: config.network.layers.some((l) => l.rewiring)
      ? {
          active: trainer.activeSynapses(),
          total: net.synapses.map((syn) => syn.possibleSynapses),
          lastStep: trainer.lastRewiring.map((e) => (e ? { pruned: e.pruned, regrown: e.regrown } : null)),
          regrownSoFar: [...trainer.regrownSoFar],
        }
      : null,
    toy:
      config.task.kind === 'toy'
        ? {
            firstSpikes: Array.from(firstSpikeSteps(trainer.outputRecord(rec))),
            quantisedFirstSpikes: trainer.quantisedFirstSpikes(sample),
            delays: Array.from(first.delays),
          }
        : null,
  };
}

/** Pixels of an image sample (null for other data). */
function samplePixels(data: SpikeDataset, sample: number): Uint8Array | null {
  const source = data.source;
  if (source.kind !== 'images') return null;
  const per = source.set.rows * source.set.cols;
  return source.set.pixels.slice(sample * per, (sample + 1) * per);
}

/**
 * The confusion matrix and a gallery of the first test samples, from predictions of the view
 * split (`predictions[k]` for `viewSplit(data)[k]`).
 */
export function testReport(trainer: Trainer, predictions: Int32Array, epoch: number): TestReport | null {
  const { data } = trainer;
  if (!data.labels) return null;
  const split = viewSplit(data);
  const classes = data.outputs;
  const labels = Int32Array.from(split, (s) => data.labels![s]!);
  const matrix = confusionMatrix(labels, predictions, classes);
  const stride = confusionStride(classes);
  const confusion: number[] = [];
  for (let t = 0; t < classes; t++) for (let p = 0; p < classes; p++) confusion.push(matrix[t * stride + p]!);
  return {
    epoch,
    classes,
    confusion,
    silent: silentCounts(matrix, classes),
    samples: Array.from(split.slice(0, GALLERY_SAMPLES), (s, k) => ({
      index: s,
      label: data.labels![s]!,
      predicted: predictions[k]!,
      pixels: samplePixels(data, s),
    })),
  };
}
