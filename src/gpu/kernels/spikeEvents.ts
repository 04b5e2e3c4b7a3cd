import { sampleEvents } from '../../core/data/samples.ts';
import type { SpikeDataset } from '../../core/data/tasks.ts';

/**
 * A dense batch of spikes [batch][T][inputs] as event lists per (sample, step), the layout
 * shaders/delay_forward_sparse.wgsl reads: start[b * T + t] .. start[b * T + t + 1] index the
 * inputs (and values: binned recordings can hold counts above 1) that spiked then.
 */
export interface SpikeEventLists {
  start: Uint32Array;
  input: Uint32Array;
  value: Float32Array;
  /** Non-zero entries (events). */
  count: number;
}

/**
 * Event lists of a dense batch, or null when it holds more than `maxEvents` events (the caller
 * then gathers densely; counting first spares building lists it would not use).
 */
export function spikeEventLists(
  spikes: Float32Array,
  batch: number,
  timeSteps: number,
  inputs: number,
  maxEvents = Infinity,
): SpikeEventLists | null {
  const rows = batch * timeSteps;
  if (spikes.length !== rows * inputs) {
    throw new RangeError(
      `spikeEventLists: ${spikes.length} values, expected ${batch}x${timeSteps}x${inputs}`,
    );
  }
  let count = 0;
  for (let q = 0; q < spikes.length; q++) if (spikes[q] !== 0) count++;
  if (count > maxEvents) return null;
  const start = new Uint32Array(rows + 1);
  const input = new Uint32Array(count);
  const value = new Float32Array(count);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    start[r] = e;
    const base = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const v = spikes[base + i]!;
      if (v !== 0) {
        input[e] = i;
        value[e] = v;
        e++;
      }
    }
  }
  start[rows] = e;
  return { start, input, value, count };
}

/**
 * The event lists of a batch of a data set's samples, built from each sample's own events
 * (`sampleEvents`: the encoded image, the binned recording, ...) instead of scanning the dense
 * batch: work in proportion to the events, not to batch x T x inputs (a 256-sample `shd` batch
 * is 17.9 million dense values and about 0.5 million events). The same lists as
 * spikeEventLists(gatherBatch(data, indices)): a sample's repeated (step, input) events add up
 * in one value. A caller that finds them too many for the sparse path makes the dense batch
 * from them with eventListsToDense rather than encoding every sample a second time.
 */
export function batchEventLists(data: SpikeDataset, indices: ArrayLike<number>): SpikeEventLists {
  const { timeSteps, inputs } = data;
  const perSample = Array.from({ length: indices.length }, (_, b) =>
    sampleEvents(data.source, indices[b]!, timeSteps, inputs),
  );
  // Repeated events merge below, so this bounds the count from above.
  let bound = 0;
  for (const ev of perSample) bound += ev.steps.length;
  const rows = indices.length * timeSteps;
  const start = new Uint32Array(rows + 1);
  const input = new Uint32Array(bound);
  const value = new Float32Array(bound);
  let e = 0;
  perSample.forEach((ev, b) => {
    let k = 0;
    for (let t = 0; t < timeSteps; t++) {
      const rowStart = e;
      start[b * timeSteps + t] = rowStart;
      for (; k < ev.steps.length && ev.steps[k] === t; k++) {
        const c = ev.channels[k]!;
        if (c >= inputs) {
          throw new RangeError(
            `batchEventLists: sample ${indices[b]!} has an event on input ${c} of ${inputs}`,
          );
        }
        // Events come sorted by step, then input: a repeat follows its first occurrence.
        if (e > rowStart && input[e - 1] === c) value[e - 1]!++;
        else {
          input[e] = c;
          value[e] = 1;
          e++;
        }
      }
    }
    if (k < ev.steps.length) {
      throw new RangeError(
        `batchEventLists: sample ${indices[b]!} has an event at step ${ev.steps[k]!}, out of order or past ${timeSteps} steps`,
      );
    }
  });
  start[rows] = e;
  return { start, input: input.subarray(0, e), value: value.subarray(0, e), count: e };
}

/**
 * The dense batch [batch][T][inputs] the lists describe (the layout gatherBatch writes), into
 * `out` when it has the right length (it is cleared first) or a new array.
 */
export function eventListsToDense(
  lists: SpikeEventLists,
  timeSteps: number,
  inputs: number,
  out?: Float32Array,
): Float32Array {
  const rows = lists.start.length - 1;
  if (rows % timeSteps !== 0) {
    throw new RangeError(
      `eventListsToDense: ${rows} rows is not a whole number of ${timeSteps}-step samples`,
    );
  }
  const dense = out && out.length === rows * inputs ? out.fill(0) : new Float32Array(rows * inputs);
  for (let r = 0; r < rows; r++) {
    const base = r * inputs;
    for (let e = lists.start[r]!; e < lists.start[r + 1]!; e++) {
      const i = lists.input[e]!;
      if (i >= inputs) throw new RangeError(`eventListsToDense: an event on input ${i} of ${inputs}`);
      dense[base + i] = lists.value[e]!;
    }
  }
  return dense;
}

/**
 * The same events grouped by input neuron, the layout the weight and delay gradients of
 * shaders/delay_backward.wgsl walk (USE_EVENTS): start[i] .. start[i + 1] index the rows
 * (b * T + t) and values of input i's events, rows ascending.
 */
export interface InputEventLists {
  start: Uint32Array;
  row: Uint32Array;
  value: Float32Array;
}

export function eventsByInput(lists: SpikeEventLists, inputs: number): InputEventLists {
  const start = new Uint32Array(inputs + 1);
  for (let e = 0; e < lists.count; e++) start[lists.input[e]! + 1]!++;
  for (let i = 0; i < inputs; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, inputs);
  const row = new Uint32Array(lists.count);
  const value = new Float32Array(lists.count);
  const rows = lists.start.length - 1;
  for (let r = 0; r < rows; r++) {
    for (let e = lists.start[r]!; e < lists.start[r + 1]!; e++) {
      const at = fill[lists.input[e]!]!++;
      row[at] = r;
      value[at] = lists.value[e]!;
    }
  }
  return { start, row, value };
}
