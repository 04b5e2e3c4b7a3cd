import { gatherBatch } from '../core/data/tasks.ts';
import type { RawDataset } from '../core/data/types.ts';
import { READOUTS } from '../core/options.ts';
import { firstSpikeSteps, predict, type Readout } from '../core/train/losses.ts';
import { loadedTrainer, type ExportSource } from './export.ts';
import { UsageError } from './args.ts';

/**
 * The readout report (`delaylab export --format readouts`): the test accuracy of one trained
 * network read out every way that applies. Training does not depend on the readout (the loss
 * compares spike trains or membranes), so this shows what the choice alone is worth: a network
 * trained with the spike-time loss to spike early and often on the right output ties at its
 * first output step on many images, and how ties are broken moves the accuracy by points.
 */

export interface ReadoutRow {
  readout: Readout;
  label: string;
  /** Test accuracy (0-1). */
  accuracy: number;
  /** The readout the run itself reports (its config's, or its loss's default). */
  own: boolean;
}

export interface ReadoutReport {
  what: string;
  testSamples: number;
  rows: ReadoutRow[];
  /** Share of test samples where two or more outputs spike first at the same step (null: outputs do not spike). */
  firstStepTies: number | null;
  /** Share of test samples where no output spikes (null: outputs do not spike). */
  silent: number | null;
  /**
   * Per class: the share of its test samples the run's own readout gets right (null: a class
   * with no test sample). A class at 0 with the others near the mean is the mark of a dead output.
   */
  recallByClass: (number | null)[];
  /**
   * Output neurons that spike on no test sample (null: outputs do not spike). Such an output's
   * membrane stays below threshold everywhere, so the surrogate gradient, which falls off with
   * the distance to threshold, gives it almost nothing to learn from: it tends to stay silent.
   */
  neverSpiking: number[] | null;
}

/** Test samples per forward pass. */
const BATCH = 500;

export function readoutReport(source: ExportSource, raw: RawDataset | null): ReadoutReport {
  const t = loadedTrainer(source, raw);
  if (t.eventprop)
    throw new UsageError(
      'export --format readouts: an EventProp run is read by its loss only (it has no other readout to compare)',
    );
  const labels = t.data.labels;
  if (!labels) throw new UsageError('export --format readouts: the task has no class labels');
  const spiking = source.config.network.layers.at(-1)!.neuron.spiking;
  // A non-spiking output layer has only its membrane to read.
  const readouts: Readout[] = spiking ? READOUTS.map((r) => r.value) : ['logits'];
  const correct = new Map(readouts.map((r) => [r, 0]));
  const classes = source.config.network.layers.at(-1)!.size;
  const rightByClass = new Array<number>(classes).fill(0);
  const samplesByClass = new Array<number>(classes).fill(0);
  const spikesByOutput = new Array<number>(classes).fill(0);
  const test = Array.from(t.data.test);
  let ties = 0;
  let silent = 0;
  for (let k = 0; k < test.length; k += BATCH) {
    const idx = test.slice(k, k + BATCH);
    // One forward pass, read every way.
    const out = t.outputRecord(t.net.forward(gatherBatch(t.data, idx), idx.length));
    for (const r of readouts) {
      const pred = predict(out, r, source.config.loss);
      let right = 0;
      idx.forEach((sample, b) => void (pred[b] === labels[sample] && right++));
      correct.set(r, correct.get(r)! + right);
      if (r !== t.readout) continue;
      idx.forEach((sample, b) => {
        const label = labels[sample]!;
        samplesByClass[label]!++;
        if (pred[b] === label) rightByClass[label]!++;
      });
    }
    if (!spiking) continue;
    for (let q = 0; q < out.spikes.length; q++) spikesByOutput[q % out.outputs]! += out.spikes[q]!;
    const first = firstSpikeSteps(out);
    for (let b = 0; b < idx.length; b++) {
      const steps = Array.from(first.subarray(b * out.outputs, (b + 1) * out.outputs)).filter((s) => s >= 0);
      const earliest = Math.min(...steps);
      if (steps.length === 0) silent++;
      else if (steps.filter((s) => s === earliest).length > 1) ties++;
    }
  }
  const n = test.length;
  return {
    what: source.what,
    testSamples: n,
    rows: readouts.map((r) => ({
      readout: r,
      label: READOUTS.find((o) => o.value === r)!.label,
      accuracy: n ? correct.get(r)! / n : NaN,
      own: r === t.readout,
    })),
    firstStepTies: spiking && n ? ties / n : null,
    silent: spiking && n ? silent / n : null,
    recallByClass: rightByClass.map((right, c) =>
      samplesByClass[c]! > 0 ? right / samplesByClass[c]! : null,
    ),
    neverSpiking: spiking ? spikesByOutput.flatMap((count, j) => (count === 0 ? [j] : [])) : null,
  };
}

export function readoutMarkdown(report: ReadoutReport): string {
  const lines = [
    `Readouts of the ${report.what}, test accuracy on ${report.testSamples} samples:`,
    '',
    '| readout | test % |',
    '| --- | --- |',
    ...report.rows.map(
      (r) => `| ${r.label} (${r.readout})${r.own ? ', the run’s' : ''} | ${(100 * r.accuracy).toFixed(2)} |`,
    ),
  ];
  if (report.firstStepTies !== null && report.silent !== null)
    lines.push(
      '',
      `${(100 * report.firstStepTies).toFixed(1)} % of test samples have two or more outputs spiking first at the same step; ${(100 * report.silent).toFixed(1)} % have no output spike.`,
    );
  const own = report.rows.find((r) => r.own);
  lines.push(
    '',
    `Recall by class${own ? ` (${own.readout})` : ''}, %: ${report.recallByClass
      .map((r, c) => `${c}: ${r === null ? '–' : (100 * r).toFixed(1)}`)
      .join(', ')}.`,
  );
  if (report.neverSpiking !== null && report.neverSpiking.length > 0)
    lines.push(
      '',
      `Output${report.neverSpiking.length > 1 ? 's' : ''} ${report.neverSpiking.join(', ')} spike${report.neverSpiking.length > 1 ? '' : 's'} on no test sample: a dead output (its membrane never reaches threshold, so training gives it next to no gradient).`,
    );
  return lines.join('\n');
}
