// AssemblyScript (compiled by `npm install` to WebAssembly; see src/wasm/build.mjs).
// EventProp's arrival lists: ArrivalLists.build in src/core/eventprop/exactLif.ts is the
// reference this is tested against, bit for bit (the same float64 operations in the same order).
//
// Pointers are byte offsets into this module's memory, laid out by the caller (arrivalKernels.ts).

/** Byte offset of the first free byte: the caller lays its buffers out from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(15 as usize);
}

/**
 * The arrivals at one neuron from `count` input spikes (times f64 `inputTime`, sorted; neurons
 * i32 `inputNeuron`), through the neuron's row of delays and weights (f64, by input neuron):
 * arrival k of spike k at inputTime[k] + delays[inputNeuron[k]] (moved up to the grid of
 * `gridDt` ms when gridDt > 0), sorted by time then by spike, written to `time`, `jump`, `from`
 * and `spike`. Scratch: `unsorted` f64[count], `order`, `bucketOf` i32[count], `starts`
 * i32[count + 1]. A bucket sort over [first, last], one bucket per arrival on average (placed in
 * spike order), then an insertion sort that puts right what shares a bucket.
 */
export function buildArrivals(
  count: i32,
  inputTime: usize,
  inputNeuron: usize,
  delays: usize,
  weights: usize,
  gridDt: f64,
  gridTolerance: f64,
  unsorted: usize,
  order: usize,
  starts: usize,
  bucketOf: usize,
  time: usize,
  jump: usize,
  from: usize,
  spike: usize,
): void {
  let first = Infinity;
  let last = -Infinity;
  for (let k = 0; k < count; k++) {
    const at = (<usize>k) << 3;
    const neuron = load<i32>(inputNeuron + ((<usize>k) << 2));
    const shifted = load<f64>(inputTime + at) + load<f64>(delays + ((<usize>neuron) << 3));
    // onGrid (exactLif.ts): the first step boundary at or after the time (+ 0: never -0).
    const t = gridDt > 0 ? Math.ceil(shifted / gridDt - gridTolerance) * gridDt + 0 : shifted;
    store<f64>(unsorted + at, t);
    if (t < first) first = t;
    if (t > last) last = t;
  }
  memory.fill(starts, 0, (<usize>(count + 1)) << 2);
  // All times equal (or one arrival): one bucket, and the index order is the sorted order.
  const scale = last > first ? <f64>(count - 1) / (last - first) : 0;
  for (let k = 0; k < count; k++) {
    const b = <i32>Math.floor((load<f64>(unsorted + ((<usize>k) << 3)) - first) * scale);
    store<i32>(bucketOf + ((<usize>k) << 2), b);
    const slot = starts + ((<usize>(b + 1)) << 2);
    store<i32>(slot, load<i32>(slot) + 1);
  }
  for (let b = 0; b < count; b++) {
    const slot = starts + ((<usize>(b + 1)) << 2);
    store<i32>(slot, load<i32>(slot) + load<i32>(slot - 4));
  }
  for (let k = 0; k < count; k++) {
    const slot = starts + ((<usize>load<i32>(bucketOf + ((<usize>k) << 2))) << 2);
    const place = load<i32>(slot);
    store<i32>(slot, place + 1);
    store<i32>(order + ((<usize>place) << 2), k);
  }
  for (let k = 1; k < count; k++) {
    const item = load<i32>(order + ((<usize>k) << 2));
    const itemTime = load<f64>(unsorted + ((<usize>item) << 3));
    let m = k - 1;
    for (; m >= 0; m--) {
      const other = load<i32>(order + ((<usize>m) << 2));
      const otherTime = load<f64>(unsorted + ((<usize>other) << 3));
      if (otherTime < itemTime || (otherTime == itemTime && other < item)) break;
      store<i32>(order + ((<usize>(m + 1)) << 2), other);
    }
    store<i32>(order + ((<usize>(m + 1)) << 2), item);
  }
  for (let k = 0; k < count; k++) {
    const index = load<i32>(order + ((<usize>k) << 2));
    const neuron = load<i32>(inputNeuron + ((<usize>index) << 2));
    store<f64>(time + ((<usize>k) << 3), load<f64>(unsorted + ((<usize>index) << 3)));
    store<f64>(jump + ((<usize>k) << 3), load<f64>(weights + ((<usize>neuron) << 3)));
    store<i32>(from + ((<usize>k) << 2), neuron);
    store<i32>(spike + ((<usize>k) << 2), index);
  }
}
