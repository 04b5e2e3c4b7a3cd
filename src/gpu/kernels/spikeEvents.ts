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
  const count = countNonZero(spikes);
  if (count > maxEvents) return null;
  const start = new Uint32Array(rows + 1);
  const input = new Uint32Array(count);
  const value = new Float32Array(count);
  let e = 0;
  for (let r = 0; r < rows; r++) {
    start[r] = e;
    e = scanRow(spikes, r * inputs, inputs, input, value, e);
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
export function batchEventLists(
  data: SpikeDataset,
  indices: ArrayLike<number>,
  scratch: EventListScratch = newEventListScratch(),
): SpikeEventLists {
  const { timeSteps, inputs, source } = data;
  const rows = indices.length * timeSteps;
  if (scratch.start.length < rows + 1) scratch.start = new Uint32Array(rows + 1);
  const start = scratch.start;
  let e = 0;
  if (source.kind === 'dense') {
    const per = timeSteps * inputs;
    const stored = source.spikes.length / per;
    for (let b = 0; b < indices.length; b++) {
      if (!(indices[b]! < stored)) {
        throw new RangeError(`batchEventLists: sample ${indices[b]!} is past the ${stored} stored`);
      }
    }
    const lists = denseSourceEvents(source.spikes, inputs);
    if (lists) {
      // Each sample's rows copied out of the data set's own lists: work in proportion to the
      // events, where scanning the samples' dense values cost 3-4x more (measured: 256-sample
      // `shd-bench` batch).
      for (let b = 0; b < indices.length; b++) {
        const firstRow = indices[b]! * timeSteps;
        const from = lists.start[firstRow]!;
        const to = lists.start[firstRow + timeSteps]!;
        ensureEvents(scratch, e, e + (to - from));
        scratch.input.set(lists.input.subarray(from, to), e);
        scratch.value.set(lists.value.subarray(from, to), e);
        for (let t = 0; t < timeSteps; t++) start[b * timeSteps + t] = e + lists.start[firstRow + t]! - from;
        e += to - from;
      }
    } else {
      for (let b = 0; b < indices.length; b++) {
        const from = indices[b]! * per;
        for (let t = 0; t < timeSteps; t++) {
          start[b * timeSteps + t] = e;
          // A row adds at most `inputs` entries; the arrays grow (rarely after the first
          // batches) only when they could not hold that many more.
          ensureEvents(scratch, e, e + inputs);
          e = scanRow(source.spikes, from + t * inputs, inputs, scratch.input, scratch.value, e);
        }
      }
    }
  } else {
    for (let b = 0; b < indices.length; b++) {
      const ev = sampleEvents(source, indices[b]!, timeSteps, inputs);
      // Repeated events merge below, so this bounds the count from above.
      ensureEvents(scratch, e, e + ev.steps.length);
      const { input, value } = scratch;
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
    }
  }
  start[rows] = e;
  return {
    start: start.subarray(0, rows + 1),
    input: scratch.input.subarray(0, e),
    value: scratch.value.subarray(0, e),
    count: e,
  };
}

/**
 * Arrays batchEventLists fills and returns views of, kept by a caller that builds a list every
 * step (the GPU trainer) so that steady training allocates none; the lists it returned are
 * valid until the next call with the same scratch.
 */
export interface EventListScratch {
  start: Uint32Array;
  input: Uint32Array;
  value: Float32Array;
}

export function newEventListScratch(): EventListScratch {
  return { start: new Uint32Array(0), input: new Uint32Array(0), value: new Float32Array(0) };
}

/** Grows the event arrays to hold `needed` entries, keeping the first `kept`. */
function ensureEvents(scratch: EventListScratch, kept: number, needed: number): void {
  if (scratch.input.length >= needed) return;
  const size = Math.max(needed, 2 * scratch.input.length);
  const input = new Uint32Array(size);
  const value = new Float32Array(size);
  input.set(scratch.input.subarray(0, kept));
  value.set(scratch.value.subarray(0, kept));
  scratch.input = input;
  scratch.value = value;
}

/**
 * The event lists of a whole densely stored data set ([sample][T][inputs] counts), one row per
 * (sample, step), built on first use and kept while the data set lives; null when more than a
 * quarter of its values are non-zero (the lists would then outweigh the dense store, and the GPU
 * trainer takes its dense path for such batches anyway).
 */
interface DenseSourceLists {
  start: Uint32Array;
  input: Uint32Array;
  value: Uint8Array;
}

/** Per data set (its dense store) and input count: the lists, or null when too dense. */
const denseSourceLists = new WeakMap<Uint8Array, { inputs: number; lists: DenseSourceLists | null }>();

function denseSourceEvents(spikes: Uint8Array, inputs: number): DenseSourceLists | null {
  const known = denseSourceLists.get(spikes);
  if (known?.inputs === inputs) return known.lists;
  const count = countNonZero(spikes);
  let lists: DenseSourceLists | null = null;
  if (count <= spikes.length / 4) {
    const rows = spikes.length / inputs;
    lists = { start: new Uint32Array(rows + 1), input: new Uint32Array(count), value: new Uint8Array(count) };
    let e = 0;
    for (let r = 0; r < rows; r++) {
      lists.start[r] = e;
      e = scanRow(spikes, r * inputs, inputs, lists.input, lists.value, e);
    }
    lists.start[rows] = e;
  }
  denseSourceLists.set(spikes, { inputs, lists });
  return lists;
}

function countNonZero(values: Float32Array | Uint8Array): number {
  let count = 0;
  for (let q = 0; q < values.length; q++) if (values[q] !== 0) count++;
  return count;
}

/**
 * Appends the non-zero values of spikes[base .. base + inputs) at `e`; returns the new end. The
 * values go to an array of the same kind, or to float32 (which holds any count exactly).
 */
function scanRow<Values extends Float32Array | Uint8Array>(
  spikes: Values,
  base: number,
  inputs: number,
  input: Uint32Array,
  value: Values | Float32Array,
  e: number,
): number {
  for (let i = 0; i < inputs; i++) {
    const v = spikes[base + i]!;
    if (v !== 0) {
      input[e] = i;
      value[e++] = v;
    }
  }
  return e;
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
  /** The three back to back in one buffer, as the shader binds them (values as their bits). */
  packed: Uint32Array;
}

/** A buffer eventsByInput reuses from call to call (its lists are valid until the next call). */
export interface InputEventScratch {
  packed: Uint32Array;
}

export function newInputEventScratch(): InputEventScratch {
  return { packed: new Uint32Array(0) };
}

export function eventsByInput(
  lists: SpikeEventLists,
  inputs: number,
  scratch: InputEventScratch = newInputEventScratch(),
): InputEventLists {
  const count = lists.count;
  const size = inputs + 1 + 2 * count;
  if (scratch.packed.length < size)
    scratch.packed = new Uint32Array(Math.max(size, Math.ceil(1.5 * scratch.packed.length)));
  const packed = scratch.packed.subarray(0, size);
  const start = packed.subarray(0, inputs + 1).fill(0);
  const row = packed.subarray(inputs + 1, inputs + 1 + count);
  const value = new Float32Array(packed.buffer, packed.byteOffset + 4 * (inputs + 1 + count), count);
  const eventInput = lists.input;
  const eventValue = lists.value;
  const rowStart = lists.start;
  for (let e = 0; e < count; e++) start[eventInput[e]! + 1]!++;
  for (let i = 0; i < inputs; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, inputs);
  const rows = rowStart.length - 1;
  let e = rowStart[0]!;
  for (let r = 0; r < rows; r++) {
    for (const end = rowStart[r + 1]!; e < end; e++) {
      const at = fill[eventInput[e]!]!++;
      row[at] = r;
      value[at] = eventValue[e]!;
    }
  }
  return { start, row, value, packed };
}
