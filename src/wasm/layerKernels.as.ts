// AssemblyScript (compiled by `npm install` to WebAssembly with SIMD; see src/wasm/build.mjs).
// Float32 hot loops of the Gaussian (DCLS) delay layer: the TypeScript loops in
// src/core/synapses/delayLayer.ts are the reference these are tested against.
//
// Layouts (pointers are byte offsets into this module's memory, set out by the caller; f32 unless
// said otherwise). `width` is the layer's output count rounded up to a multiple of 4: every
// per-synapse table has `width` columns, the extra ones zero, so SIMD loops need no remainder.
// - activations, padded: [samples][rows][width] with rows = paddedSteps + taps - 1; rows at and
//   after the sample's real time steps hold zeros, so a tap window that runs past the end of a
//   sample reads zeros (gather, tap gradients) or writes rows nobody reads (scatter) instead of
//   testing bounds in the inner loops.
// - parameters and their gradients: [inputs][width].
// - one presynaptic neuron's tables: [taps][width] (normalised Gaussian, taps = weight x it) and
//   its synapses' mean taps [width].
// - all taps for the input gradient: [taps * width][inputsPadded], inputs contiguous.
// - events: pairs (row index into the padded activations, value as f32 bits), i32 each.

/** Byte offset of the first free byte: the caller lays its buffers out from here. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(15 as usize);
}

// One synapse's Gaussian window, as synapseGaussian leaves it: its taps lo..hi, the sum of its
// unnormalised taps' reciprocal and their mean tap (module globals: a function returns one value).
let windowLo: i32 = 0;
let windowHi: i32 = 0;
let windowInv: f64 = 0;
let windowMean: f64 = 0;

/**
 * The unnormalised Gaussian taps g(k) of a synapse with delay d into scratch[lo..hi] (f64), over
 * the tap window |k - d|^2 <= c^2 + reach^2 (c: distance from d to its nearest tap), with the
 * ratio recurrence outwards from the nearest tap (h = 1 / (2 sigma^2), q = exp(-2 h)); sets
 * windowLo, windowHi, windowInv (1 / sum g) and windowMean (sum k g / sum g). The same rule as
 * gaussWindow and gaussianTaps in src/core/synapses/kernels.ts, in float64.
 */
function synapseGaussian(d: f64, h: f64, q: f64, reach: f64, last: i32, scratch: usize): void {
  let centre = <i32>Math.floor(d + 0.5);
  if (centre < 0) centre = 0;
  if (centre > last) centre = last;
  const x = <f64>centre - d;
  const r = Math.sqrt(x * x + reach * reach);
  const lo = min(centre, max(0, <i32>Math.ceil(d - r)));
  const hi = max(centre, min(last, <i32>Math.floor(d + r)));
  let total: f64 = 1;
  let moment: f64 = <f64>centre;
  store<f64>(scratch + ((<usize>centre) << 3), 1);
  let g: f64 = 1;
  let ratio = Math.exp(-(2 * x + 1) * h);
  for (let k = centre + 1; k <= hi; k++) {
    g *= ratio;
    ratio *= q;
    store<f64>(scratch + ((<usize>k) << 3), g);
    total += g;
    moment += g * <f64>k;
  }
  g = 1;
  ratio = Math.exp((2 * x - 1) * h);
  for (let k = centre - 1; k >= lo; k--) {
    g *= ratio;
    ratio *= q;
    store<f64>(scratch + ((<usize>k) << 3), g);
    total += g;
    moment += g * <f64>k;
  }
  windowLo = lo;
  windowHi = hi;
  windowInv = 1 / total;
  windowMean = moment * windowInv;
}

/**
 * The Gaussian tables of one presynaptic neuron's synapses (row `weights`, `delays` of `width`
 * floats): norm[k, j] = g_j(k) / sum_k g_j(k) over the synapse's tap window (synapseGaussian), 0
 * outside it; taps[k, j] = w_j norm[k, j]; mean[j] = sum_k k norm[k, j].
 */
export function gaussTables(
  weights: usize,
  delays: usize,
  outputs: i32,
  width: i32,
  taps: i32,
  sigma: f64,
  radius: f64,
  norm: usize,
  tapValues: usize,
  mean: usize,
  scratch: usize, // taps f64
  windows: usize, // 0, or [outputs] pairs (lo, count) of i32, as gaussWindows writes them (gatherWindowed)
): void {
  const h = 1 / (2 * sigma * sigma);
  const q = Math.exp(-2 * h);
  const reach = radius * sigma;
  const rowBytes = (<usize>width) << 2;
  const last = taps - 1;
  for (let j = 0; j < outputs; j++) {
    const at = (<usize>j) << 2;
    const w = <f64>load<f32>(weights + at);
    synapseGaussian(<f64>load<f32>(delays + at), h, q, reach, last, scratch);
    const lo = windowLo;
    const hi = windowHi;
    const inv = windowInv;
    store<f32>(mean + at, <f32>windowMean);
    if (windows) {
      store<i32>(windows + ((<usize>j) << 3), lo);
      store<i32>(windows + ((<usize>j) << 3), hi - lo + 1, 4);
    }
    for (let k = 0; k < taps; k++) {
      const n = k >= lo && k <= hi ? load<f64>(scratch + ((<usize>k) << 3)) * inv : 0;
      const cell = <usize>k * rowBytes + at;
      store<f32>(norm + cell, <f32>n);
      store<f32>(tapValues + cell, <f32>(w * n));
    }
  }
  for (let j = outputs; j < width; j++) {
    const at = (<usize>j) << 2;
    store<f32>(mean + at, 0);
    for (let k = 0; k < taps; k++) {
      store<f32>(norm + <usize>k * rowBytes + at, 0);
      store<f32>(tapValues + <usize>k * rowBytes + at, 0);
    }
  }
}

/**
 * From one neuron's tap gradients G[k, j] (tapGradEvents) and its tables:
 *   dL/dw_j += sum_k G[k, j] norm[k, j];
 *   dL/dd_j += (w_j / sigma^2) sum_k G[k, j] norm[k, j] (k - mean_j),
 * four synapses at a time, into gradient rows of `width` floats.
 */
export function gaussReduce(
  tapGrad: usize,
  norm: usize,
  mean: usize,
  weights: usize,
  width: i32,
  taps: i32,
  invVariance: f32,
  gradWeights: usize, // 0: not wanted
  gradDelays: usize, // 0: not wanted
): void {
  const rowBytes = (<usize>width) << 2;
  for (let j = 0; j < width; j += 4) {
    const at = (<usize>j) << 2;
    const m = v128.load(mean + at);
    let gw = f32x4.splat(0);
    let gd = f32x4.splat(0);
    for (let k = 0; k < taps; k++) {
      const cell = <usize>k * rowBytes + at;
      const gn = f32x4.mul(v128.load(tapGrad + cell), v128.load(norm + cell));
      gw = f32x4.add(gw, gn);
      gd = f32x4.add(gd, f32x4.mul(gn, f32x4.sub(f32x4.splat(<f32>k), m)));
    }
    if (gradWeights) v128.store(gradWeights + at, f32x4.add(v128.load(gradWeights + at), gw));
    if (gradDelays) {
      const scale = f32x4.mul(v128.load(weights + at), f32x4.splat(invVariance));
      v128.store(gradDelays + at, f32x4.add(v128.load(gradDelays + at), f32x4.mul(scale, gd)));
    }
  }
}

/** Column `input` of the input-gradient tap matrix: panel[q, input] = taps[q] for q < depth. */
export function storeInputTaps(
  tapValues: usize,
  depth: i32,
  panel: usize,
  inputsPadded: i32,
  input: i32,
): void {
  const stride = (<usize>inputsPadded) << 2;
  let to = panel + ((<usize>input) << 2);
  for (let q = 0; q < depth; q++) {
    store<f32>(to, load<f32>(tapValues + ((<usize>q) << 2)));
    to += stride;
  }
}

/**
 * current[row + k, j] += value * taps[k, j] for each event, every tap k and column j: one
 * presynaptic neuron's spikes fanned out through its synapses. The taps are walked in chunks of
 * 16 columns held in registers while the events run, so each chunk is loaded once.
 */
export function scatterEvents(
  taps: usize,
  depth: i32, // taps x width floats
  current: usize,
  width: i32,
  events: usize,
  count: i32,
): void {
  const rowBytes = (<usize>width) << 2;
  let q = 0;
  for (; q + 16 <= depth; q += 16) {
    const at = (<usize>q) << 2;
    const t0 = v128.load(taps + at);
    const t1 = v128.load(taps + at, 16);
    const t2 = v128.load(taps + at, 32);
    const t3 = v128.load(taps + at, 48);
    for (let e = 0; e < count; e++) {
      const ev = events + ((<usize>e) << 3);
      const v = v128.load32_splat(ev, 4);
      const c = current + <usize>load<i32>(ev) * rowBytes + at;
      v128.store(c, f32x4.add(v128.load(c), f32x4.mul(v, t0)));
      v128.store(c, f32x4.add(v128.load(c, 16), f32x4.mul(v, t1)), 16);
      v128.store(c, f32x4.add(v128.load(c, 32), f32x4.mul(v, t2)), 32);
      v128.store(c, f32x4.add(v128.load(c, 48), f32x4.mul(v, t3)), 48);
    }
  }
  for (; q < depth; q += 4) {
    const at = (<usize>q) << 2;
    const t0 = v128.load(taps + at);
    for (let e = 0; e < count; e++) {
      const ev = events + ((<usize>e) << 3);
      const v = v128.load32_splat(ev, 4);
      const c = current + <usize>load<i32>(ev) * rowBytes + at;
      v128.store(c, f32x4.add(v128.load(c), f32x4.mul(v, t0)));
    }
  }
}

/**
 * out[k, j] = sum over events of value * grad[row + k, j]: the gradient of one presynaptic
 * neuron's taps. Chunks of 16 columns accumulate in registers across all events.
 */
export function tapGradEvents(
  grad: usize,
  width: i32,
  events: usize,
  count: i32,
  depth: i32,
  out: usize,
): void {
  const rowBytes = (<usize>width) << 2;
  let q = 0;
  for (; q + 16 <= depth; q += 16) {
    const at = (<usize>q) << 2;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let e = 0; e < count; e++) {
      const ev = events + ((<usize>e) << 3);
      const v = v128.load32_splat(ev, 4);
      const g = grad + <usize>load<i32>(ev) * rowBytes + at;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(g)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(g, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(g, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(g, 48)));
    }
    v128.store(out + at, a0);
    v128.store(out + at, a1, 16);
    v128.store(out + at, a2, 32);
    v128.store(out + at, a3, 48);
  }
  for (; q < depth; q += 4) {
    const at = (<usize>q) << 2;
    let a0 = f32x4.splat(0);
    for (let e = 0; e < count; e++) {
      const ev = events + ((<usize>e) << 3);
      const v = v128.load32_splat(ev, 4);
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(grad + <usize>load<i32>(ev) * rowBytes + at)));
    }
    v128.store(out + at, a0);
  }
}

/** Depth (taps x width floats) of one pass of the input-gradient product: 8 KiB of tap panel. */
const DEPTH_CHUNK: i32 = 256;

/**
 * The input gradient as a matrix product over taps:
 *   out[b, t, i] = sum_{k, j} taps[k * width + j, i] * grad[b, t + k, j]
 * for t < paddedSteps (a multiple of 4). Row t of the left matrix is the window of `depth`
 * consecutive floats starting at grad row t, so it is read in place. Blocks of 4 steps x 8
 * inputs accumulate in 8 registers over chunks of DEPTH_CHUNK, whose tap panel (DEPTH_CHUNK x 8
 * floats) stays in L1 while every block of steps runs.
 */
export function gatherProduct(
  grad: usize,
  rows: i32, // padded rows per sample
  width: i32,
  samples: i32,
  paddedSteps: i32,
  taps: usize,
  depth: i32,
  inputsPadded: i32, // a multiple of 8
  out: usize, // [samples * paddedSteps][inputsPadded]
): void {
  const rowBytes = (<usize>width) << 2;
  const outRowBytes = (<usize>inputsPadded) << 2;
  const panelRowBytes = (<usize>inputsPadded) << 2;
  memory.fill(out, 0, <usize>samples * <usize>paddedSteps * outRowBytes);
  for (let q0 = 0; q0 < depth; q0 += DEPTH_CHUNK) {
    const q1 = min(depth, q0 + DEPTH_CHUNK);
    for (let i0 = 0; i0 < inputsPadded; i0 += 8) {
      const panel = taps + ((<usize>i0) << 2);
      for (let b = 0; b < samples; b++) {
        const sampleGrad = grad + <usize>b * <usize>rows * rowBytes;
        const sampleOut = out + <usize>b * <usize>paddedSteps * outRowBytes + ((<usize>i0) << 2);
        for (let t = 0; t < paddedSteps; t += 4) {
          const o = sampleOut + <usize>t * outRowBytes;
          let c00 = v128.load(o);
          let c01 = v128.load(o, 16);
          let c10 = v128.load(o + outRowBytes);
          let c11 = v128.load(o + outRowBytes, 16);
          let c20 = v128.load(o + 2 * outRowBytes);
          let c21 = v128.load(o + 2 * outRowBytes, 16);
          let c30 = v128.load(o + 3 * outRowBytes);
          let c31 = v128.load(o + 3 * outRowBytes, 16);
          let a = sampleGrad + <usize>t * rowBytes + ((<usize>q0) << 2);
          let p = panel + <usize>q0 * panelRowBytes;
          for (let q = q0; q < q1; q++) {
            const b0 = v128.load(p);
            const b1 = v128.load(p, 16);
            const x0 = v128.load32_splat(a);
            const x1 = v128.load32_splat(a + rowBytes);
            const x2 = v128.load32_splat(a + 2 * rowBytes);
            const x3 = v128.load32_splat(a + 3 * rowBytes);
            c00 = f32x4.add(c00, f32x4.mul(x0, b0));
            c01 = f32x4.add(c01, f32x4.mul(x0, b1));
            c10 = f32x4.add(c10, f32x4.mul(x1, b0));
            c11 = f32x4.add(c11, f32x4.mul(x1, b1));
            c20 = f32x4.add(c20, f32x4.mul(x2, b0));
            c21 = f32x4.add(c21, f32x4.mul(x2, b1));
            c30 = f32x4.add(c30, f32x4.mul(x3, b0));
            c31 = f32x4.add(c31, f32x4.mul(x3, b1));
            a += 4;
            p += panelRowBytes;
          }
          v128.store(o, c00);
          v128.store(o, c01, 16);
          v128.store(o + outRowBytes, c10);
          v128.store(o + outRowBytes, c11, 16);
          v128.store(o + 2 * outRowBytes, c20);
          v128.store(o + 2 * outRowBytes, c21, 16);
          v128.store(o + 3 * outRowBytes, c30);
          v128.store(o + 3 * outRowBytes, c31, 16);
        }
      }
    }
  }
}

// ---- Windowed Gaussian kernels (narrow sigma) ------------------------------------------------
//
// Late in a run a synapse's Gaussian covers a few of the taps, and the dense kernels above spend
// most of their work on zeros. These keep each synapse's window only, and work on samples
// transposed so that a column's rows are contiguous and a window is a short vector:
// - a neuron's window tables: windows [outputs] pairs (lo, count) of i32; norm and taps
//   [outputs][span] (span: a multiple of 4, at least every window's count; zeros after each
//   count); mean [outputs];
// - transposed samples: [samples][width][rowsT], rowsT >= rows + span, so a window that starts at
//   any padded row stays in its column; rows after the sample's real steps hold zeros;
// - events: pairs (index of the event's (sample, step) cell in column 0 of the transposed layout,
//   value as f32 bits), i32 each.
// The weight and delay gradients are the dense kernels' floats (the same operations on the cells
// a window covers, in the same order). The current adds a neuron's spikes to a cell in spike
// order, where the dense scatter goes tap by tap, and the input gradient adds its terms in another
// order: both agree with the dense kernels to float32 rounding.

/**
 * dst[b][c][r] = src[b][r][c] for r < rows, and 0 for rows <= r < dstRows: samples of `rows` rows
 * of `cols` floats to (or from) the transposed layout.
 */
export function transposeSamples(
  src: usize,
  rows: i32,
  cols: i32,
  samples: i32,
  dst: usize,
  dstRows: i32,
): void {
  const rowBytes = (<usize>cols) << 2;
  const columnBytes = (<usize>dstRows) << 2;
  for (let b = 0; b < samples; b++) {
    const from = src + <usize>b * <usize>rows * rowBytes;
    const to = dst + <usize>b * <usize>cols * columnBytes;
    for (let r = 0; r < rows; r++) {
      const row = from + <usize>r * rowBytes;
      let cell = to + ((<usize>r) << 2);
      for (let c = 0; c < cols; c++) {
        store<f32>(cell, load<f32>(row + ((<usize>c) << 2)));
        cell += columnBytes;
      }
    }
    const tail = (<usize>(dstRows - rows)) << 2;
    if (tail > 0)
      for (let c = 0; c < cols; c++) memory.fill(to + <usize>c * columnBytes + ((<usize>rows) << 2), 0, tail);
  }
}

/** gaussTables for the windowed kernels: each synapse's window in `span` floats from its first tap. */
export function gaussWindows(
  weights: usize,
  delays: usize,
  outputs: i32,
  taps: i32,
  sigma: f64,
  radius: f64,
  span: i32,
  windows: usize,
  norm: usize,
  tapValues: usize,
  mean: usize,
  scratch: usize, // taps f64
): void {
  const h = 1 / (2 * sigma * sigma);
  const q = Math.exp(-2 * h);
  const reach = radius * sigma;
  const last = taps - 1;
  for (let j = 0; j < outputs; j++) {
    const at = (<usize>j) << 2;
    const w = <f64>load<f32>(weights + at);
    synapseGaussian(<f64>load<f32>(delays + at), h, q, reach, last, scratch);
    const lo = windowLo;
    // span holds every window of an in-range delay (the caller's bound); never write past it.
    const count = min(windowHi - lo + 1, span);
    const inv = windowInv;
    store<i32>(windows + ((<usize>j) << 3), lo);
    store<i32>(windows + ((<usize>j) << 3), count, 4);
    store<f32>(mean + at, <f32>windowMean);
    const row = (<usize>j * <usize>span) << 2;
    for (let k = 0; k < span; k++) {
      const n = k < count ? load<f64>(scratch + ((<usize>(lo + k)) << 3)) * inv : 0;
      store<f32>(norm + row + ((<usize>k) << 2), <f32>n);
      store<f32>(tapValues + row + ((<usize>k) << 2), <f32>(w * n));
    }
  }
}

/**
 * current[b, t + lo_j + k, j] += value * taps[j, k] for each event (b, t) and synapse j: one
 * presynaptic neuron's spikes through its synapses' windows, into transposed samples (rowsT
 * floats per column), `span` / 4 vectors per synapse.
 */
export function scatterWindowed(
  tapValues: usize,
  span: i32,
  windows: usize,
  outputs: i32,
  current: usize,
  rowsT: i32,
  events: usize,
  count: i32,
): void {
  const columnBytes = (<usize>rowsT) << 2;
  const spanBytes = (<usize>span) << 2;
  for (let e = 0; e < count; e++) {
    const ev = events + ((<usize>e) << 3);
    const v = v128.load32_splat(ev, 4);
    const cell = current + ((<usize>load<i32>(ev)) << 2);
    for (let j = 0; j < outputs; j++) {
      let c = cell + <usize>j * columnBytes + ((<usize>load<i32>(windows + ((<usize>j) << 3))) << 2);
      let tap = tapValues + <usize>j * spanBytes;
      for (let k = 0; k < span; k += 4) {
        v128.store(c, f32x4.add(v128.load(c), f32x4.mul(v, v128.load(tap))));
        c += 16;
        tap += 16;
      }
    }
  }
}

/**
 * gaussReduce over each synapse's window, with its tap gradients summed over the events here:
 *   G[j, k] = sum_events value * grad[b, t + lo_j + k, j];
 *   dL/dw_j += sum_k G[j, k] norm[j, k];
 *   dL/dd_j += (w_j / sigma^2) sum_k G[j, k] norm[j, k] (lo_j + k - mean_j),
 * on transposed gradients; the sums over k run in tap order, one synapse at a time, as
 * gaussReduce's lanes do.
 */
export function gaussParamGradWindowed(
  grad: usize,
  rowsT: i32,
  events: usize,
  count: i32,
  outputs: i32,
  span: i32,
  windows: usize,
  norm: usize,
  mean: usize,
  weights: usize,
  invVariance: f32,
  gradWeights: usize, // 0: not wanted
  gradDelays: usize, // 0: not wanted
): void {
  const columnBytes = (<usize>rowsT) << 2;
  const spanBytes = (<usize>span) << 2;
  for (let j = 0; j < outputs; j++) {
    const window = windows + ((<usize>j) << 3);
    const lo = load<i32>(window);
    const taps = load<i32>(window, 4);
    const column = grad + <usize>j * columnBytes + ((<usize>lo) << 2);
    const normRow = norm + <usize>j * spanBytes;
    const m = load<f32>(mean + ((<usize>j) << 2));
    let gw: f32 = 0;
    let gd: f32 = 0;
    for (let k0 = 0; k0 < taps; k0 += 4) {
      let g = f32x4.splat(0);
      for (let e = 0; e < count; e++) {
        const ev = events + ((<usize>e) << 3);
        const at = column + ((<usize>(load<i32>(ev) + k0)) << 2);
        g = f32x4.add(g, f32x4.mul(v128.load32_splat(ev, 4), v128.load(at)));
      }
      const n = v128.load(normRow + ((<usize>k0) << 2));
      const gn = f32x4.mul(g, n);
      const lanes = min(4, taps - k0);
      for (let l = 0; l < lanes; l++) {
        const term = laneOf(gn, l);
        gw += term;
        gd += term * (<f32>(lo + k0 + l) - m);
      }
    }
    const at = (<usize>j) << 2;
    if (gradWeights) store<f32>(gradWeights + at, load<f32>(gradWeights + at) + gw);
    if (gradDelays)
      store<f32>(gradDelays + at, load<f32>(gradDelays + at) + load<f32>(weights + at) * invVariance * gd);
  }
}

/** Lane l (0-3) of a vector of four f32. */
function laneOf(v: v128, l: i32): f32 {
  if (l == 0) return f32x4.extract_lane(v, 0);
  if (l == 1) return f32x4.extract_lane(v, 1);
  if (l == 2) return f32x4.extract_lane(v, 2);
  return f32x4.extract_lane(v, 3);
}

/**
 * One presynaptic neuron's column of the input gradient from its synapses' windows:
 *   out[b, t, input] = sum_j sum_{k < count_j} tap(j, k) grad[b, t + lo_j + k, j]
 * (gatherProduct's sum with the zero terms left out, added in another order), on transposed
 * gradients so that four consecutive steps are one vector: 16 steps accumulate in registers while
 * the neuron's windows are walked, then the last 4-12 steps 4 at a time. tap(j, k) lies at
 * tapValues + j * synapseStride + k * tapStride: window tables (gaussWindows: stride span x 4 and
 * 4, from the window's first tap) or dense ones (gaussTables: 4 and width x 4, from tap lo_j, with
 * `fromLo`).
 */
export function gatherWindowed(
  grad: usize,
  rowsT: i32,
  width: i32,
  outputs: i32,
  samples: i32,
  paddedSteps: i32,
  tapValues: usize,
  synapseStride: i32,
  tapStride: i32,
  fromLo: i32,
  windows: usize,
  inputsPadded: i32,
  input: i32,
  out: usize, // [samples * paddedSteps][inputsPadded]
): void {
  const columnBytes = (<usize>rowsT) << 2;
  const kStride = <usize>tapStride;
  const outRowBytes = (<usize>inputsPadded) << 2;
  for (let b = 0; b < samples; b++) {
    const sample = grad + <usize>b * <usize>width * columnBytes;
    const sampleOut = out + <usize>b * <usize>paddedSteps * outRowBytes + ((<usize>input) << 2);
    let t0 = 0;
    for (; t0 + 16 <= paddedSteps; t0 += 16) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      for (let j = 0; j < outputs; j++) {
        const window = windows + ((<usize>j) << 3);
        const lo = load<i32>(window);
        const taps = load<i32>(window, 4);
        let src = sample + <usize>j * columnBytes + ((<usize>(t0 + lo)) << 2);
        let tap = tapValues + <usize>j * <usize>synapseStride + (fromLo ? <usize>lo * kStride : 0);
        for (let k = 0; k < taps; k++) {
          const c = v128.load32_splat(tap);
          a0 = f32x4.add(a0, f32x4.mul(c, v128.load(src)));
          a1 = f32x4.add(a1, f32x4.mul(c, v128.load(src, 16)));
          a2 = f32x4.add(a2, f32x4.mul(c, v128.load(src, 32)));
          a3 = f32x4.add(a3, f32x4.mul(c, v128.load(src, 48)));
          src += 4;
          tap += kStride;
        }
      }
      const o = sampleOut + <usize>t0 * outRowBytes;
      storeLanes(o, outRowBytes, a0);
      storeLanes(o + 4 * outRowBytes, outRowBytes, a1);
      storeLanes(o + 8 * outRowBytes, outRowBytes, a2);
      storeLanes(o + 12 * outRowBytes, outRowBytes, a3);
    }
    for (; t0 < paddedSteps; t0 += 4) {
      let a0 = f32x4.splat(0);
      for (let j = 0; j < outputs; j++) {
        const window = windows + ((<usize>j) << 3);
        const lo = load<i32>(window);
        const taps = load<i32>(window, 4);
        let src = sample + <usize>j * columnBytes + ((<usize>(t0 + lo)) << 2);
        let tap = tapValues + <usize>j * <usize>synapseStride + (fromLo ? <usize>lo * kStride : 0);
        for (let k = 0; k < taps; k++) {
          a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(tap), v128.load(src)));
          src += 4;
          tap += kStride;
        }
      }
      storeLanes(sampleOut + <usize>t0 * outRowBytes, outRowBytes, a0);
    }
  }
}

/** The four lanes of `v` to four rows `stride` bytes apart from `at` (small: -O3 inlines it). */
function storeLanes(at: usize, stride: usize, v: v128): void {
  store<f32>(at, f32x4.extract_lane(v, 0));
  store<f32>(at + stride, f32x4.extract_lane(v, 1));
  store<f32>(at + 2 * stride, f32x4.extract_lane(v, 2));
  store<f32>(at + 3 * stride, f32x4.extract_lane(v, 3));
}

// ---- One- and two-tap kernels (lerp, round, hardware) ------------------------------------------
//
// Scalar loops: each synapse reads or writes the row its own delay picks, which SIMD lanes cannot
// share. Activations are padded as above but `width` = outputs and rows = timeSteps + taps per
// sample, so tap + 1 never leaves the sample's block. Events are triples (padded row, input
// neuron, value as f32 bits), i32 each. `offsets` tables hold, per synapse (i, j), the byte
// offset tap * rowBytes + 4 j of the cell its tap addresses from the event's row.

/**
 * The per-synapse tables of the one- and two-tap kernels from weights and delays ([inputs][outputs]),
 * as fillSparseTables in src/core/synapses/delayLayer.ts computes them (in float64, stored as f32):
 * m = floor d clamped to [0, taps - 1], frac = d - m; the forward tap (m for lerp, else d floored
 * or rounded, clamped) and its value val0 (w (1 - frac) for lerp, else w); val1 = w frac at m + 1
 * for lerp where m + 1 is a tap, else 0; next = 1 where m + 1 is a tap. Taps are stored as byte
 * offsets tap * rowBytes + 4 j (see above).
 */
export function sparseTables(
  weights: usize,
  delays: usize,
  inputs: i32,
  outputs: i32,
  taps: i32,
  lerp: i32,
  nearest: i32,
  tapOffsets: usize,
  floorOffsets: usize,
  val0: usize,
  val1: usize,
  frac: usize,
  next: usize,
): void {
  const rowBytes = outputs << 2;
  const last = taps - 1;
  let q: usize = 0;
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < outputs; j++) {
      const w = <f64>load<f32>(weights + q);
      const d = <f64>load<f32>(delays + q);
      let m = <i32>Math.floor(d);
      if (m > last) m = last;
      if (m < 0) m = 0;
      const f = d - <f64>m;
      const column = j << 2;
      store<i32>(floorOffsets + q, m * rowBytes + column);
      store<f32>(frac + q, <f32>f);
      store<f32>(next + q, m < last ? 1 : 0);
      if (lerp) {
        store<i32>(tapOffsets + q, m * rowBytes + column);
        store<f32>(val0 + q, <f32>(w * (1 - f)));
        store<f32>(val1 + q, m < last ? <f32>(w * f) : 0);
      } else {
        let n = <i32>Math.floor(nearest ? d + 0.5 : d);
        if (n > last) n = last;
        if (n < 0) n = 0;
        store<i32>(tapOffsets + q, n * rowBytes + column);
        store<f32>(val0 + q, <f32>w);
        store<f32>(val1 + q, 0);
      }
      q += 4;
    }
  }
}

/** current[row + tap, j] += value * val0[i, j] (and current[row + tap + 1, j] += value * val1[i, j]). */
export function sparseScatter(
  events: usize,
  count: i32,
  offsets: usize,
  val0: usize,
  val1: usize, // 0: one tap
  outputs: i32,
  current: usize,
): void {
  const rowBytes = (<usize>outputs) << 2;
  const blocks = outputs & ~3;
  for (let e = 0; e < count; e++) {
    const ev = events + <usize>e * 12;
    const base = current + <usize>load<i32>(ev) * rowBytes;
    const synapse = (<usize>load<i32>(ev, 4) * <usize>outputs) << 2;
    const v = load<f32>(ev, 8);
    const vv = f32x4.splat(v);
    // Four synapses' values at a time (contiguous); each adds into the cell its own delay picks.
    for (let j = 0; j < blocks; j += 4) {
      const q = synapse + ((<usize>j) << 2);
      const cells = v128.load(offsets + q);
      const a = f32x4.mul(vv, v128.load(val0 + q));
      const c0 = base + <usize>i32x4.extract_lane(cells, 0);
      const c1 = base + <usize>i32x4.extract_lane(cells, 1);
      const c2 = base + <usize>i32x4.extract_lane(cells, 2);
      const c3 = base + <usize>i32x4.extract_lane(cells, 3);
      store<f32>(c0, load<f32>(c0) + f32x4.extract_lane(a, 0));
      store<f32>(c1, load<f32>(c1) + f32x4.extract_lane(a, 1));
      store<f32>(c2, load<f32>(c2) + f32x4.extract_lane(a, 2));
      store<f32>(c3, load<f32>(c3) + f32x4.extract_lane(a, 3));
      if (val1) {
        const b = f32x4.mul(vv, v128.load(val1 + q));
        store<f32>(c0 + rowBytes, load<f32>(c0 + rowBytes) + f32x4.extract_lane(b, 0));
        store<f32>(c1 + rowBytes, load<f32>(c1 + rowBytes) + f32x4.extract_lane(b, 1));
        store<f32>(c2 + rowBytes, load<f32>(c2 + rowBytes) + f32x4.extract_lane(b, 2));
        store<f32>(c3 + rowBytes, load<f32>(c3 + rowBytes) + f32x4.extract_lane(b, 3));
      }
    }
    if (val1) {
      for (let j = blocks; j < outputs; j++) {
        const q = synapse + ((<usize>j) << 2);
        const c = base + <usize>load<i32>(offsets + q);
        store<f32>(c, load<f32>(c) + v * load<f32>(val0 + q));
        store<f32>(c + rowBytes, load<f32>(c + rowBytes) + v * load<f32>(val1 + q));
      }
    } else {
      for (let j = blocks; j < outputs; j++) {
        const q = synapse + ((<usize>j) << 2);
        const c = base + <usize>load<i32>(offsets + q);
        store<f32>(c, load<f32>(c) + v * load<f32>(val0 + q));
      }
    }
  }
}

/**
 * Weight and delay gradients of the one- and two-tap kernels, per event and synapse, with
 * G0 = grad[row + floor d, j] and G1 = grad[row + floor d + 1, j] x next (next = 0 where floor d
 * is the last tap):
 *   lerp weights:  dL/dw += value (G0 (1 - frac) + G1 frac);
 *   tap weights:   dL/dw += value grad[row + tap, j];
 *   lerp delays:   dL/dd += value w (G1 - G0).
 */
export function sparseParamGrad(
  events: usize,
  count: i32,
  floorOffsets: usize,
  tapOffsetsTable: usize, // 0: lerp weights
  frac: usize,
  next: usize,
  weights: usize,
  outputs: i32,
  grad: usize,
  gradWeights: usize, // 0: not wanted
  gradDelays: usize, // 0: not wanted
): void {
  const rowBytes = (<usize>outputs) << 2;
  const blocks = outputs & ~3;
  for (let e = 0; e < count; e++) {
    const ev = events + <usize>e * 12;
    const base = grad + <usize>load<i32>(ev) * rowBytes;
    const synapse = (<usize>load<i32>(ev, 4) * <usize>outputs) << 2;
    const v = load<f32>(ev, 8);
    const vv = f32x4.splat(v);
    // Four synapses at a time: their table entries are contiguous, their taps' cells are not
    // (each synapse reads the row its own delay picks), so those are four scalar loads.
    for (let j = 0; j < blocks; j += 4) {
      const q = synapse + ((<usize>j) << 2);
      const g = f32x4.splat(0);
      const offsets = v128.load(floorOffsets + q);
      const c0 = base + <usize>i32x4.extract_lane(offsets, 0);
      const c1 = base + <usize>i32x4.extract_lane(offsets, 1);
      const c2 = base + <usize>i32x4.extract_lane(offsets, 2);
      const c3 = base + <usize>i32x4.extract_lane(offsets, 3);
      let g0 = f32x4.replace_lane(g, 0, load<f32>(c0));
      g0 = f32x4.replace_lane(g0, 1, load<f32>(c1));
      g0 = f32x4.replace_lane(g0, 2, load<f32>(c2));
      g0 = f32x4.replace_lane(g0, 3, load<f32>(c3));
      let g1 = f32x4.replace_lane(g, 0, load<f32>(c0 + rowBytes));
      g1 = f32x4.replace_lane(g1, 1, load<f32>(c1 + rowBytes));
      g1 = f32x4.replace_lane(g1, 2, load<f32>(c2 + rowBytes));
      g1 = f32x4.replace_lane(g1, 3, load<f32>(c3 + rowBytes));
      g1 = f32x4.mul(g1, v128.load(next + q));
      if (gradWeights) {
        let gw: v128;
        if (tapOffsetsTable) {
          const taps = v128.load(tapOffsetsTable + q);
          gw = f32x4.replace_lane(g, 0, load<f32>(base + <usize>i32x4.extract_lane(taps, 0)));
          gw = f32x4.replace_lane(gw, 1, load<f32>(base + <usize>i32x4.extract_lane(taps, 1)));
          gw = f32x4.replace_lane(gw, 2, load<f32>(base + <usize>i32x4.extract_lane(taps, 2)));
          gw = f32x4.replace_lane(gw, 3, load<f32>(base + <usize>i32x4.extract_lane(taps, 3)));
        } else {
          const f = v128.load(frac + q);
          gw = f32x4.add(f32x4.mul(g0, f32x4.sub(f32x4.splat(1), f)), f32x4.mul(g1, f));
        }
        v128.store(gradWeights + q, f32x4.add(v128.load(gradWeights + q), f32x4.mul(vv, gw)));
      }
      if (gradDelays)
        v128.store(
          gradDelays + q,
          f32x4.add(
            v128.load(gradDelays + q),
            f32x4.mul(f32x4.mul(vv, v128.load(weights + q)), f32x4.sub(g1, g0)),
          ),
        );
    }
    for (let j = blocks; j < outputs; j++) {
      const q = synapse + ((<usize>j) << 2);
      const g = base + <usize>load<i32>(floorOffsets + q);
      const g0 = load<f32>(g);
      const g1 = load<f32>(g + rowBytes) * load<f32>(next + q);
      if (gradWeights) {
        let gw: f32;
        if (tapOffsetsTable) gw = load<f32>(base + <usize>load<i32>(tapOffsetsTable + q));
        else {
          const f = load<f32>(frac + q);
          gw = g0 * (1 - f) + g1 * f;
        }
        store<f32>(gradWeights + q, load<f32>(gradWeights + q) + v * gw);
      }
      if (gradDelays)
        store<f32>(gradDelays + q, load<f32>(gradDelays + q) + v * load<f32>(weights + q) * (g1 - g0));
    }
  }
}

/**
 * out[b, t, i] = sum_j val0[i, j] grad[b, t + tap, j] + val1[i, j] grad[b, t + tap + 1, j] for
 * every step t < timeSteps of every sample: the input gradient, dense over (t, i).
 */
export function sparseGather(
  grad: usize,
  rows: i32,
  samples: i32,
  timeSteps: i32,
  offsets: usize,
  val0: usize,
  val1: usize, // 0: one tap
  inputs: i32,
  outputs: i32,
  out: usize,
): void {
  const rowBytes = (<usize>outputs) << 2;
  let to = out;
  for (let b = 0; b < samples; b++) {
    for (let t = 0; t < timeSteps; t++) {
      const base = grad + (<usize>b * <usize>rows + <usize>t) * rowBytes;
      for (let i = 0; i < inputs; i++) {
        const synapse = (<usize>i * <usize>outputs) << 2;
        let s: f32 = 0;
        if (val1) {
          for (let j = 0; j < outputs; j++) {
            const q = synapse + ((<usize>j) << 2);
            const g = base + <usize>load<i32>(offsets + q);
            s += load<f32>(val0 + q) * load<f32>(g) + load<f32>(val1 + q) * load<f32>(g + rowBytes);
          }
        } else {
          for (let j = 0; j < outputs; j++) {
            const q = synapse + ((<usize>j) << 2);
            s += load<f32>(val0 + q) * load<f32>(base + <usize>load<i32>(offsets + q));
          }
        }
        store<f32>(to, s);
        to += 4;
      }
    }
  }
}

// ---- Active-synapse kernels (masked layers, src/core/synapses/sparseSynapses.ts) ----------------
//
// Scalar loops over a layer's active synapses only, grouped by presynaptic neuron (slots) with
// each slot's taps, as sparseSynapses.ts lays them out: slotStart [inputs + 1], post [slots] (i32);
// tapStart [slots + 1], tap [taps] (i32) and per-tap coefficients (f64); the input's events by
// neuron: eventStart [inputs + 1], batchTime (i32, b * timeSteps + t) and value (f64). Activations
// and their gradients are unpadded f32 [samples * timeSteps][outputs]. Products and sums are in
// f64 with each stored cell rounded to f32, as the TypeScript loops do, so the two agree exactly
// for the forward pass and up to the order of f64 sums for the gradients.

function at32(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

function at64(base: usize, index: i32): usize {
  return base + ((<usize>index) << 3);
}

/** current[b, t + tap, post] += value(tap) * spike[b, t, pre], for every event and active synapse. */
export function maskedScatter(
  slotStart: usize,
  post: usize,
  tapStart: usize,
  tap: usize,
  value: usize,
  eventStart: usize,
  batchTime: usize,
  eventValue: usize,
  inputs: i32,
  outputs: i32,
  timeSteps: i32,
  current: usize,
): void {
  const rowBytes = (<usize>outputs) << 2;
  for (let i = 0; i < inputs; i++) {
    const s0 = load<i32>(at32(slotStart, i));
    const s1 = load<i32>(at32(slotStart, i + 1));
    if (s0 == s1) continue;
    const e1 = load<i32>(at32(eventStart, i + 1));
    for (let e = load<i32>(at32(eventStart, i)); e < e1; e++) {
      const bt = load<i32>(at32(batchTime, e));
      const v = load<f64>(at64(eventValue, e));
      const remaining = timeSteps - (bt % timeSteps);
      const base = current + <usize>bt * rowBytes;
      for (let s = s0; s < s1; s++) {
        const cell = base + ((<usize>load<i32>(at32(post, s))) << 2);
        const p1 = load<i32>(at32(tapStart, s + 1));
        for (let p = load<i32>(at32(tapStart, s)); p < p1; p++) {
          const k = load<i32>(at32(tap, p));
          if (k >= remaining) continue;
          const c = cell + <usize>k * rowBytes;
          store<f32>(c, <f32>(<f64>load<f32>(c) + v * load<f64>(at64(value, p))));
        }
      }
    }
  }
}

/**
 * into[s] += sum over events of slot s's neuron and its taps p: spike * coefficient[p] *
 * grad[b, t + tap[p], post[s]], and the same with `second` into `secondInto` (0: none). `into`
 * and `secondInto` are f64 per slot; the caller adds them to the parameters' gradients.
 */
export function maskedTapReduce(
  slotStart: usize,
  post: usize,
  tapStart: usize,
  tap: usize,
  coefficient: usize,
  second: usize,
  eventStart: usize,
  batchTime: usize,
  eventValue: usize,
  inputs: i32,
  outputs: i32,
  timeSteps: i32,
  grad: usize,
  into: usize,
  secondInto: usize,
): void {
  const rowBytes = (<usize>outputs) << 2;
  for (let i = 0; i < inputs; i++) {
    const s0 = load<i32>(at32(slotStart, i));
    const s1 = load<i32>(at32(slotStart, i + 1));
    if (s0 == s1) continue;
    const e1 = load<i32>(at32(eventStart, i + 1));
    for (let e = load<i32>(at32(eventStart, i)); e < e1; e++) {
      const bt = load<i32>(at32(batchTime, e));
      const v = load<f64>(at64(eventValue, e));
      const remaining = timeSteps - (bt % timeSteps);
      const base = grad + <usize>bt * rowBytes;
      for (let s = s0; s < s1; s++) {
        const cell = base + ((<usize>load<i32>(at32(post, s))) << 2);
        let g: f64 = 0;
        let h: f64 = 0;
        const p1 = load<i32>(at32(tapStart, s + 1));
        for (let p = load<i32>(at32(tapStart, s)); p < p1; p++) {
          const k = load<i32>(at32(tap, p));
          if (k >= remaining) continue;
          const gc = <f64>load<f32>(cell + <usize>k * rowBytes);
          g += load<f64>(at64(coefficient, p)) * gc;
          if (second) h += load<f64>(at64(second, p)) * gc;
        }
        store<f64>(at64(into, s), load<f64>(at64(into, s)) + v * g);
        if (secondInto) store<f64>(at64(secondInto, s), load<f64>(at64(secondInto, s)) + v * h);
      }
    }
  }
}

/**
 * out[b, t, i] = sum over i's active synapses s and their taps k of value(k) grad[b, t + k,
 * post[s]], for every (b, t): the input gradient, spikes or not. Scratch: byOutput (f64,
 * outputs * timeSteps) and sum (f64, timeSteps).
 */
export function maskedGather(
  slotStart: usize,
  post: usize,
  tapStart: usize,
  tap: usize,
  value: usize,
  inputs: i32,
  outputs: i32,
  samples: i32,
  timeSteps: i32,
  grad: usize,
  byOutput: usize,
  sum: usize,
  out: usize,
): void {
  for (let b = 0; b < samples; b++) {
    const row0 = b * timeSteps;
    for (let t = 0; t < timeSteps; t++) {
      const from = grad + ((<usize>(row0 + t) * <usize>outputs) << 2);
      for (let j = 0; j < outputs; j++)
        store<f64>(at64(byOutput, j * timeSteps + t), <f64>load<f32>(at32(from, j)));
    }
    for (let i = 0; i < inputs; i++) {
      const s0 = load<i32>(at32(slotStart, i));
      const s1 = load<i32>(at32(slotStart, i + 1));
      if (s0 == s1) continue;
      memory.fill(sum, 0, (<usize>timeSteps) << 3);
      for (let s = s0; s < s1; s++) {
        const column = load<i32>(at32(post, s)) * timeSteps;
        const p1 = load<i32>(at32(tapStart, s + 1));
        for (let p = load<i32>(at32(tapStart, s)); p < p1; p++) {
          const k = load<i32>(at32(tap, p));
          const v = load<f64>(at64(value, p));
          const source = at64(byOutput, column + k);
          for (let t = 0; t + k < timeSteps; t++) {
            const c = at64(sum, t);
            store<f64>(c, load<f64>(c) + v * load<f64>(at64(source, t)));
          }
        }
      }
      for (let t = 0; t < timeSteps; t++)
        store<f32>(at32(out, (row0 + t) * inputs + i), <f32>load<f64>(at64(sum, t)));
    }
  }
}
