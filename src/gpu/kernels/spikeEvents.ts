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
