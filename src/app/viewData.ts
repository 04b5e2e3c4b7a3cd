import type { NetworkPictureData } from '../charts/networkPicture.ts';
import type { ConfusionChartData } from '../charts/confusionChart.ts';
import type { HistogramChartData } from '../charts/histogramChart.ts';
import type { LearningCurvesData } from '../charts/learningCurves.ts';
import type { LossChartData } from '../charts/lossChart.ts';
import type { MembraneTracesData } from '../charts/membraneTraces.ts';
import type { ReceptiveFieldChartData } from '../charts/receptiveFieldChart.ts';
import type { SampleGalleryData } from '../charts/sampleGallery.ts';
import type { SpikeRasterData } from '../charts/spikeRaster.ts';
import { neverPredictedClasses } from '../core/analysis/confusion.ts';
import type { AppState } from '../store/index.ts';
import type { EpochRecord, TestReport, ViewSnapshot } from '../worker/protocol.ts';

/**
 * Store -> chart data for every live view (module-level functions, so chart hosts keep them as
 * stable dependencies). Each takes the selected source and the whole state.
 */

const pct = (x: number | null): number | null => (x === null ? null : 100 * x);

export const selectHistory = (s: AppState): EpochRecord[] => s.history;
export const selectLosses = (s: AppState): Float64Array => s.stepLosses;
export const selectViews = (s: AppState): ViewSnapshot | null => s.views;
export const selectTest = (s: AppState): TestReport | null => s.testReport;

export function learningData(history: EpochRecord[], s: AppState): LearningCurvesData | null {
  const classes = s.run.info?.classes ?? null;
  return {
    epochs: history.map((h) => ({
      epoch: h.epoch,
      trainLoss: h.trainLoss,
      trainAccuracy: pct(h.trainAccuracy),
      validationLoss: h.validationLoss,
      validationAccuracy: pct(h.validationAccuracy),
      testAccuracy: pct(h.testAccuracy),
    })),
    chance: classes ? 100 / classes : null,
  };
}

export function lossData(losses: Float64Array, s: AppState): LossChartData | null {
  const total = s.run.info?.totalSteps;
  return total ? { losses, totalSteps: total } : null;
}

function spikeSteps(spikes: Uint8Array, neurons: number, neuron: number): number[] {
  const steps: number[] = [];
  for (let t = 0; t * neurons < spikes.length; t++) if (spikes[t * neurons + neuron]! > 0) steps.push(t);
  return steps;
}

function column(values: Float32Array, neurons: number, neuron: number): Float32Array {
  const T = values.length / neurons;
  return Float32Array.from({ length: T }, (_, t) => values[t * neurons + neuron]!);
}

/** Membrane traces of the output layer (at most 10 outputs) for the shown sample. */
export function membraneData(v: ViewSnapshot | null, s: AppState): MembraneTracesData | null {
  const info = s.run.info;
  if (!v || !info) return null;
  const out = v.layers.at(-1)!;
  if (!out.membrane) return null;
  const shown = Math.min(out.neurons, 10);
  return {
    timeSteps: info.config.network.timeSteps,
    dtMs: info.config.network.dtMs,
    threshold: v.threshold.at(-1)!,
    traces: Array.from({ length: shown }, (_, j) => ({
      label: info.classNames?.[j] ?? `output ${j}`,
      membrane: column(out.membrane!, out.neurons, j),
      spikeSteps: spikeSteps(out.spikes, out.neurons, j),
    })),
  };
}

/** The chosen hidden neuron's membrane (the first layer of a multi-layer net). */
export function hiddenMembraneData(v: ViewSnapshot | null, s: AppState): MembraneTracesData | null {
  const info = s.run.info;
  if (!v || !info || v.layers.length < 3) return null;
  const hidden = v.layers[1]!;
  const n = v.selection.hiddenNeuron;
  return {
    timeSteps: info.config.network.timeSteps,
    dtMs: info.config.network.dtMs,
    threshold: v.threshold[0]!,
    traces: [
      {
        label: `hidden ${n}`,
        membrane: column(hidden.membrane!, hidden.neurons, n),
        spikeSteps: spikeSteps(hidden.spikes, hidden.neurons, n),
      },
    ],
  };
}

export function rasterData(v: ViewSnapshot | null, s: AppState): SpikeRasterData | null {
  const info = s.run.info;
  if (!v || !info) return null;
  const truth = v.sampleLabel === null ? '' : `, label ${v.sampleLabel}`;
  const pred = v.samplePrediction < 0 ? 'no output spike' : `predicted ${v.samplePrediction}`;
  return {
    timeSteps: info.config.network.timeSteps,
    dtMs: info.config.network.dtMs,
    layers: v.layers.map((l) => ({ name: l.name, neurons: l.neurons, spikes: l.spikes })),
    label: `sample ${v.selection.sample}${truth}, ${pred}`,
  };
}

export function delayHistogramData(v: ViewSnapshot | null): HistogramChartData | null {
  return v ? { title: 'Delays per layer', unit: 'time steps', layers: v.delayHistograms } : null;
}

export function weightHistogramData(v: ViewSnapshot | null): HistogramChartData | null {
  return v ? { title: 'Weights per layer', unit: 'weight', layers: v.weightHistograms } : null;
}

export function hiddenFieldData(v: ViewSnapshot | null, s: AppState): ReceptiveFieldChartData | null {
  const info = s.run.info;
  if (!v?.hiddenField || !info) return null;
  return {
    kind: 'hidden',
    neuron: v.hiddenField.neuron,
    inputs: info.config.network.inputs,
    imageShape: info.imageShape,
    maxDelay: info.config.network.layers[0]!.kernel.maxDelay,
    points: v.hiddenField.points,
  };
}

export function outputFieldData(v: ViewSnapshot | null, s: AppState): ReceptiveFieldChartData | null {
  const info = s.run.info;
  if (!v?.outputField || !info) return null;
  return {
    kind: 'output',
    neuron: v.outputField.neuron,
    inputs: info.config.network.inputs,
    delaySpan: v.outputField.delaySpan,
    grid: v.outputField.grid,
    imageShape: info.imageShape,
  };
}

/** The report's classes x classes counts plus the silent column, as confusionMatrix lays it out. */
function reportMatrix(r: TestReport): Uint32Array {
  const n = r.classes;
  const matrix = new Uint32Array(n * (n + 1));
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) matrix[t * (n + 1) + p] = r.confusion[t * n + p]!;
    matrix[t * (n + 1) + n] = r.silent[t]!;
  }
  return matrix;
}

export function confusionData(r: TestReport | null, s: AppState): ConfusionChartData | null {
  if (!r) return null;
  const names = s.run.info?.classNames;
  return { classes: r.classes, matrix: reportMatrix(r), ...(names ? { classNames: names } : {}) };
}

/** Classes of the report that no test sample was predicted as, named where the data set names them. */
export function neverPredictedData(
  r: TestReport | null,
  classNames: readonly string[] | null | undefined,
): { epoch: number; classes: { label: string; samples: number }[] } | null {
  if (!r) return null;
  const found = neverPredictedClasses(reportMatrix(r), r.classes);
  if (found.length === 0) return null;
  return {
    epoch: r.epoch,
    classes: found.map((c) => ({
      label: classNames?.[c.class] ? `${c.class} (${classNames[c.class]!})` : String(c.class),
      samples: c.samples,
    })),
  };
}

export function galleryData(r: TestReport | null, s: AppState): SampleGalleryData | null {
  if (!r) return null;
  const [rows, cols] = s.run.info?.imageShape ?? [0, 0];
  const names = s.run.info?.classNames;
  return {
    rows,
    cols,
    samples: r.samples.map((x) => ({
      pixels: x.pixels ?? new Uint8Array(0),
      label: x.label,
      predicted: x.predicted,
    })),
    ...(names ? { classNames: names } : {}),
  };
}

export function networkPictureData(v: ViewSnapshot | null, s: AppState): NetworkPictureData | null {
  const config = s.run.info?.config;
  if (!v || !config) return null;
  return {
    sizes: [config.network.inputs, ...config.network.layers.map((l) => l.size)],
    maxDelays: config.network.layers.map((l) => l.kernel.maxDelay),
    layers: v.network,
  };
}
