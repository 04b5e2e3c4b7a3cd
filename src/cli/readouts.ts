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
    }
    if (!spiking) continue;
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
  return lines.join('\n');
}
