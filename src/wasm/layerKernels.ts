import type {
  GaussBackward,
  GaussPass,
  LayerAccelerator,
  MaskedBackward,
  MaskedPass,
  SparseBackward,
  SparsePass,
} from '../core/synapses/layerAccelerator.ts';
import type { RealArray } from '../core/tensor.ts';
import type { SynapseList } from '../core/synapses/sparseSynapses.ts';
import { instantiateKernels, kernelModule } from './instantiate.ts';
import { WASM_BASE64 } from './layerKernels.generated.ts';

/** The exports of layerKernels.as.ts (pointers are byte offsets into `memory`). */
interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gaussTables(
    weights: number,
    delays: number,
    outputs: number,
    width: number,
    taps: number,
    sigma: number,
    radius: number,
    norm: number,
    tapValues: number,
    mean: number,
    scratch: number,
    windows: number,
  ): void;
  transposeSamples(
    src: number,
    rows: number,
    cols: number,
    samples: number,
    dst: number,
    dstRows: number,
  ): void;
  gaussWindows(
    weights: number,
    delays: number,
    outputs: number,
    taps: number,
    sigma: number,
    radius: number,
    span: number,
    windows: number,
    norm: number,
    tapValues: number,
    mean: number,
    scratch: number,
  ): void;
  scatterWindowed(
    tapValues: number,
    span: number,
    windows: number,
    outputs: number,
    current: number,
    rowsT: number,
    events: number,
    count: number,
  ): void;
  gaussParamGradWindowed(
    grad: number,
    rowsT: number,
    events: number,
    count: number,
    outputs: number,
    span: number,
    windows: number,
    norm: number,
    mean: number,
    weights: number,
    invVariance: number,
    gradWeights: number,
    gradDelays: number,
  ): void;
  gatherWindowed(
    grad: number,
    rowsT: number,
    width: number,
    outputs: number,
    samples: number,
    paddedSteps: number,
    tapValues: number,
    synapseStride: number,
    tapStride: number,
    fromLo: number,
    windows: number,
    inputsPadded: number,
    input: number,
    out: number,
  ): void;
  gaussReduce(
    tapGrad: number,
    norm: number,
    mean: number,
    weights: number,
    width: number,
    taps: number,
    invVariance: number,
    gradWeights: number,
    gradDelays: number,
  ): void;
  storeInputTaps(tapValues: number, depth: number, panel: number, inputsPadded: number, input: number): void;
  scatterEvents(
    taps: number,
    depth: number,
    current: number,
    width: number,
    events: number,
    count: number,
  ): void;
  tapGradEvents(grad: number, width: number, events: number, count: number, depth: number, out: number): void;
  sparseTables(
    weights: number,
    delays: number,
    inputs: number,
    outputs: number,
    taps: number,
    lerp: number,
    nearest: number,
    tapOffsets: number,
    floorOffsets: number,
    val0: number,
    val1: number,
    frac: number,
    next: number,
  ): void;
  sparseScatter(
    events: number,
    count: number,
    offsets: number,
    val0: number,
    val1: number,
    outputs: number,
    current: number,
  ): void;
  sparseParamGrad(
    events: number,
    count: number,
    floorOffsets: number,
    tapOffsetsTable: number,
    frac: number,
    next: number,
    weights: number,
    outputs: number,
    grad: number,
    gradWeights: number,
    gradDelays: number,
  ): void;
  sparseGather(
    grad: number,
    rows: number,
    samples: number,
    timeSteps: number,
    offsets: number,
    val0: number,
    val1: number,
    inputs: number,
    outputs: number,
    out: number,
  ): void;
  maskedScatter(
    slotStart: number,
    post: number,
    tapStart: number,
    tap: number,
    value: number,
    eventStart: number,
    batchTime: number,
    eventValue: number,
    inputs: number,
    outputs: number,
    timeSteps: number,
    current: number,
  ): void;
  maskedTapReduce(
    slotStart: number,
    post: number,
    tapStart: number,
    tap: number,
    coefficient: number,
    second: number,
    eventStart: number,
    batchTime: number,
    eventValue: number,
    inputs: number,
    outputs: number,
    timeSteps: number,
    grad: number,
    into: number,
    secondInto: number,
  ): void;
  maskedGather(
    slotStart: number,
    post: number,
    tapStart: number,
    tap: number,
    value: number,
    inputs: number,
    outputs: number,
    samples: number,
    timeSteps: number,
    grad: number,
    byOutput: number,
    sum: number,
    out: number,
  ): void;
  gatherProduct(
    grad: number,
    rows: number,
    width: number,
    samples: number,
    paddedSteps: number,
    taps: number,
    depth: number,
    inputsPadded: number,
    out: number,
  ): void;
}

const PAGE_BYTES = 65536;
/** Layers whose one- and two-tap tables stay cached between their forward and backward. */
const MAX_CACHED_LAYERS = 8;
const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/**
 * A Gaussian pass runs the windowed kernels (layerKernels.as.ts: each synapse's taps within
 * radius x sigma of its delay only, on transposed samples) when a window's bound, 2 (radius x
 * sigma + 1) taps, is at most this fraction of the taps; else the dense ones, which run every tap
 * at a higher rate. One shd-bench step (one thread, batch 16, Td 25), dense against windowed:
 * 309 / 147 ms at sigma 0.23, 301 / 196 at 0.5, 303 / 226 at 0.75, 297 / 251 at 1, 296 / 283 at
 * 1.3, 295 / 310 at 1.5, 288 / 393 at 3: the crossover is near sigma 1.4, a bound of 0.73.
 */
export const WINDOWED_FRACTION = 0.7;

/**
 * Up to this larger bound the dense kernels still take the input gradient over the windows
 * (gatherWindowed on the dense tables): alone, it breaks even with the dense product only where
 * the windows cover every tap (the same step: 267 against 295 ms at sigma 1.5, a bound of 0.78;
 * 289 against 288 at sigma 2, a bound of 1).
 */
export const WINDOWED_GATHER_FRACTION = 0.9;

/** A window's bound as a fraction of the pass's taps (see WINDOWED_FRACTION). */
function windowBound(pass: GaussPass): number {
  return (2 * (pass.radiusSigmas * pass.sigma + 1)) / pass.taps;
}

function windowSpan(pass: GaussPass, windowedFraction: number): number {
  const reach = pass.radiusSigmas * pass.sigma;
  if (windowBound(pass) > windowedFraction) return 0;
  const widest = Math.min(pass.taps, Math.floor(2 * Math.sqrt(0.25 + reach * reach)) + 1);
  return roundUp(widest, 4);
}

/**
 * Where one pass's buffers lie in the module's memory (byte offsets; see layerKernels.as.ts for
 * the layouts): zero bytes for a buffer the pass does not use.
 */
class Arena {
  private end: number;
  constructor(start: number) {
    this.end = roundUp(start, 16);
  }
  /** A 16-byte aligned block of `bytes` (SIMD loads). */
  take(bytes: number): number {
    const at = this.end;
    this.end = roundUp(at + bytes, 16);
    return at;
  }
  get bytes(): number {
    return this.end;
  }
}

/** Sizes of a pass in the kernels' padded layouts. */
interface Shape {
  /** outputs rounded up to 4. */
  width: number;
  /** timeSteps rounded up to 4 (the gather's blocks of 4 steps). */
  paddedSteps: number;
  /** Activation rows per sample: paddedSteps + taps - 1. */
  rows: number;
  /** taps x width: floats in one neuron's tables. */
  depth: number;
}

function shapeOf(pass: GaussPass): Shape {
  const width = roundUp(pass.outputs, 4);
  const paddedSteps = roundUp(pass.timeSteps, 4);
  return { width, paddedSteps, rows: paddedSteps + pass.taps - 1, depth: pass.taps * width };
}

/**
 * The WebAssembly SIMD kernels of the float32 Gaussian path behind the LayerAccelerator interface:
 * one module instance (and its memory) per thread, which grows to the largest pass and stays.
 * Sums of products add in float32 where the TypeScript reference adds in float64, so results
 * agree to float32 rounding, not bit for bit.
 */
export class WasmLayerKernels implements LayerAccelerator {
  readonly name = 'wasm-simd';
  private readonly kernels: KernelExports;
  private readonly heapBase: number;
  private f32: Float32Array;
  private f64: Float64Array;
  private i32: Int32Array;
  /**
   * The one- and two-tap tables of the layers seen last, by their weights array: a forward
   * computes them and the backward that follows it reuses them (the parameters cannot change in
   * between). They lie below `cacheEnd`; each pass's own buffers start there.
   */
  private readonly tableCache = new Map<RealArray, { at: SparseTableOffsets; bytes: number }>();
  private cacheEnd: number;

  constructor(
    module: WebAssembly.Module,
    /** WINDOWED_FRACTION; 0: always the dense kernels (tests compare the two). */
    private readonly windowedFraction = WINDOWED_FRACTION,
    /** WINDOWED_GATHER_FRACTION; 0: always the dense input-gradient product. */
    private readonly windowedGatherFraction = WINDOWED_GATHER_FRACTION,
  ) {
    this.kernels = instantiateKernels<KernelExports>(module);
    this.heapBase = this.kernels.heapBase();
    this.cacheEnd = roundUp(this.heapBase, 16);
    this.f32 = new Float32Array(this.kernels.memory.buffer);
    this.f64 = new Float64Array(this.kernels.memory.buffer);
    this.i32 = new Int32Array(this.kernels.memory.buffer);
  }

  /** Bytes of WebAssembly memory this instance holds. */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  forward(pass: GaussPass, current: RealArray): void {
    const span = windowSpan(pass, this.windowedFraction);
    if (span > 0) return this.forwardWindowed(pass, current, span);
    const shape = shapeOf(pass);
    const { batch, inputs, taps, events } = pass;
    const { width, rows, depth } = shape;
    const arena = new Arena(this.cacheEnd);
    const params = this.takeParameters(arena, pass, shape);
    const activations = arena.take(4 * batch * rows * width);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeTables(arena, shape, taps);
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    this.f32.fill(0, activations >> 2, (activations >> 2) + batch * rows * width);
    this.uploadEvents(pass, eventPairs, (b, t) => b * rows + t);
    const k = this.kernels;
    const start = events.start;
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0) continue;
      this.neuronTables(pass, shape, params, tables, i);
      k.scatterEvents(tables.taps, depth, activations, width, eventPairs + 8 * start[i]!, count);
    }
    this.downloadSamples(current, { ...pass, width, rows }, activations);
  }

  backward(pass: GaussPass, grads: GaussBackward): void {
    const span = windowSpan(pass, this.windowedFraction);
    if (span > 0) return this.backwardWindowed(pass, grads, span);
    const shape = shapeOf(pass);
    const { batch, inputs, taps, events, sigma } = pass;
    const { width, rows, depth, paddedSteps } = shape;
    const { gradInput } = grads;
    const wantParams = grads.gradWeights !== null || grads.gradDelays !== null;
    const inputsPadded = roundUp(inputs, 8);
    const arena = new Arena(this.cacheEnd);
    const params = this.takeParameters(arena, pass, shape);
    const gradWeights = grads.gradWeights ? arena.take(4 * inputs * width) : 0;
    const gradDelays = grads.gradDelays ? arena.take(4 * inputs * width) : 0;
    const activations = arena.take(4 * batch * rows * width);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeTables(arena, shape, taps);
    const tapGrad = arena.take(4 * depth);
    // The input gradient: the dense product over every tap, or each synapse's window on the
    // transposed gradient (see WINDOWED_GATHER_FRACTION).
    const windowedGather = gradInput !== null && windowBound(pass) <= this.windowedGatherFraction;
    const panel = gradInput && !windowedGather ? arena.take(4 * depth * inputsPadded) : 0;
    const gradT = windowedGather ? arena.take(4 * batch * width * rows) : 0;
    const windows = windowedGather ? arena.take(8 * width) : 0;
    const product = gradInput ? arena.take(4 * batch * paddedSteps * inputsPadded) : 0;
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    if (gradWeights) this.f32.fill(0, gradWeights >> 2, (gradWeights >> 2) + inputs * width);
    if (gradDelays) this.f32.fill(0, gradDelays >> 2, (gradDelays >> 2) + inputs * width);
    this.uploadSamples(grads.gradCurrent, { ...pass, width, rows }, activations);
    this.uploadEvents(pass, eventPairs, (b, t) => b * rows + t);
    const k = this.kernels;
    if (windowedGather) k.transposeSamples(activations, rows, width, batch, gradT, rows);
    const start = events.start;
    const invVariance = 1 / (sigma * sigma);
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0 && !gradInput) continue;
      this.neuronTables(pass, shape, params, tables, i, windows);
      if (count > 0 && wantParams) {
        k.tapGradEvents(activations, width, eventPairs + 8 * start[i]!, count, depth, tapGrad);
        const row = 4 * i * width;
        k.gaussReduce(
          tapGrad,
          tables.norm,
          tables.mean,
          params.weights + row,
          width,
          taps,
          invVariance,
          gradWeights && gradWeights + row,
          gradDelays && gradDelays + row,
        );
      }
      if (windowedGather) {
        const { outputs } = pass;
        const dense = [4, 4 * width, 1] as const;
        k.gatherWindowed(
          gradT,
          rows,
          width,
          outputs,
          batch,
          paddedSteps,
          tables.taps,
          ...dense,
          windows,
          inputsPadded,
          i,
          product,
        );
      } else if (gradInput) k.storeInputTaps(tables.taps, depth, panel, inputsPadded, i);
    }
    if (grads.gradWeights) this.addParameterGrads(grads.gradWeights, pass, shape, gradWeights);
    if (grads.gradDelays) this.addParameterGrads(grads.gradDelays, pass, shape, gradDelays);
    if (gradInput && windowedGather) this.downloadInputGrad(gradInput, pass, shape, product, inputsPadded);
    else if (gradInput) {
      // Only columns < inputs of the panel are written; the rest are read by the product's last
      // block of 8 inputs and must be zero.
      for (let i = inputs; i < inputsPadded; i++) this.zeroPanelColumn(panel, depth, inputsPadded, i);
      k.gatherProduct(activations, rows, width, batch, paddedSteps, panel, depth, inputsPadded, product);
      this.downloadInputGrad(gradInput, pass, shape, product, inputsPadded);
    }
  }

  /**
   * forward with narrow kernels: each event adds its synapses' windows into transposed samples
   * (`rowsT` = rows + span floats per column), transposed back at the end.
   */
  private forwardWindowed(pass: GaussPass, current: RealArray, span: number): void {
    const shape = shapeOf(pass);
    const { batch, inputs, outputs, events } = pass;
    const { width, rows } = shape;
    const rowsT = rows + span;
    const arena = new Arena(this.cacheEnd);
    const params = this.takeParameters(arena, pass, shape);
    const samplesT = arena.take(4 * batch * width * rowsT);
    const samples = arena.take(4 * batch * rowsT * width);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeWindows(arena, pass, span);
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    this.f32.fill(0, samplesT >> 2, (samplesT >> 2) + batch * width * rowsT);
    this.uploadEvents(pass, eventPairs, (b, t) => b * width * rowsT + t);
    const k = this.kernels;
    const start = events.start;
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0) continue;
      this.neuronWindows(pass, shape, params, tables, span, i);
      k.scatterWindowed(
        tables.taps,
        span,
        tables.windows,
        outputs,
        samplesT,
        rowsT,
        eventPairs + 8 * start[i]!,
        count,
      );
    }
    k.transposeSamples(samplesT, width, rowsT, batch, samples, width);
    this.downloadSamples(current, { ...pass, width, rows: rowsT }, samples);
  }

  /** backward with narrow kernels: every product over the synapses' windows, on the transposed gradient. */
  private backwardWindowed(pass: GaussPass, grads: GaussBackward, span: number): void {
    const shape = shapeOf(pass);
    const { batch, inputs, outputs, events, sigma } = pass;
    const { width, rows, paddedSteps } = shape;
    const { gradInput } = grads;
    const wantParams = grads.gradWeights !== null || grads.gradDelays !== null;
    const inputsPadded = roundUp(inputs, 8);
    const rowsT = rows + span;
    const arena = new Arena(this.cacheEnd);
    const params = this.takeParameters(arena, pass, shape);
    const gradWeights = grads.gradWeights ? arena.take(4 * inputs * width) : 0;
    const gradDelays = grads.gradDelays ? arena.take(4 * inputs * width) : 0;
    const samples = arena.take(4 * batch * rows * width);
    const samplesT = arena.take(4 * batch * width * rowsT);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeWindows(arena, pass, span);
    const product = gradInput ? arena.take(4 * batch * paddedSteps * inputsPadded) : 0;
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    if (gradWeights) this.f32.fill(0, gradWeights >> 2, (gradWeights >> 2) + inputs * width);
    if (gradDelays) this.f32.fill(0, gradDelays >> 2, (gradDelays >> 2) + inputs * width);
    this.uploadSamples(grads.gradCurrent, { ...pass, width, rows }, samples);
    const k = this.kernels;
    k.transposeSamples(samples, rows, width, batch, samplesT, rowsT);
    this.uploadEvents(pass, eventPairs, (b, t) => b * width * rowsT + t);
    const start = events.start;
    const invVariance = 1 / (sigma * sigma);
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0 && !gradInput) continue;
      this.neuronWindows(pass, shape, params, tables, span, i);
      if (count > 0 && wantParams) {
        const row = 4 * i * width;
        k.gaussParamGradWindowed(
          samplesT,
          rowsT,
          eventPairs + 8 * start[i]!,
          count,
          outputs,
          span,
          tables.windows,
          tables.norm,
          tables.mean,
          params.weights + row,
          invVariance,
          gradWeights && gradWeights + row,
          gradDelays && gradDelays + row,
        );
      }
      if (gradInput)
        k.gatherWindowed(
          samplesT,
          rowsT,
          width,
          outputs,
          batch,
          paddedSteps,
          tables.taps,
          4 * span,
          4,
          0,
          tables.windows,
          inputsPadded,
          i,
          product,
        );
    }
    if (grads.gradWeights) this.addParameterGrads(grads.gradWeights, pass, shape, gradWeights);
    if (grads.gradDelays) this.addParameterGrads(grads.gradDelays, pass, shape, gradDelays);
    if (gradInput) this.downloadInputGrad(gradInput, pass, shape, product, inputsPadded);
  }

  private takeWindows(arena: Arena, pass: GaussPass, span: number): WindowTables {
    const { outputs, taps } = pass;
    return {
      windows: arena.take(8 * outputs),
      norm: arena.take(4 * outputs * span),
      taps: arena.take(4 * outputs * span),
      mean: arena.take(4 * outputs),
      scratch: arena.take(8 * taps),
    };
  }

  private neuronWindows(
    pass: GaussPass,
    shape: Shape,
    params: { weights: number; delays: number },
    tables: WindowTables,
    span: number,
    i: number,
  ): void {
    const row = 4 * i * shape.width;
    this.kernels.gaussWindows(
      params.weights + row,
      params.delays + row,
      pass.outputs,
      pass.taps,
      pass.sigma,
      pass.radiusSigmas,
      span,
      tables.windows,
      tables.norm,
      tables.taps,
      tables.mean,
      tables.scratch,
    );
  }

  sparseForward(pass: SparsePass, current: RealArray): void {
    const { batch, timeSteps, taps, outputs } = pass;
    const rows = timeSteps + taps;
    const tables = this.sparseTablesOf(pass, false);
    const arena = new Arena(this.cacheEnd);
    const activations = arena.take(4 * batch * rows * outputs);
    const events = arena.take(12 * pass.events.neuron.length);
    this.ensure(arena.bytes);
    this.f32.fill(0, activations >> 2, (activations >> 2) + batch * rows * outputs);
    const count = this.uploadRowEvents(pass, rows, events);
    const val1 = pass.twoTaps ? tables.val1 : 0;
    this.kernels.sparseScatter(events, count, tables.tapOffsets, tables.val0, val1, outputs, activations);
    this.downloadSamples(current, { ...pass, width: outputs, rows }, activations);
  }

  sparseBackward(pass: SparsePass, grads: SparseBackward): void {
    const { batch, timeSteps, taps, inputs, outputs } = pass;
    const synapses = inputs * outputs;
    const rows = timeSteps + taps;
    const tables = this.sparseTablesOf(pass, grads.tablesFromForward);
    const arena = new Arena(this.cacheEnd);
    const gradWeights = grads.gradWeights ? arena.take(4 * synapses) : 0;
    const gradDelays = grads.gradDelays ? arena.take(4 * synapses) : 0;
    const weights = grads.gradDelays ? arena.take(4 * synapses) : 0;
    const activations = arena.take(4 * batch * rows * outputs);
    const events = arena.take(12 * pass.events.neuron.length);
    const product = grads.gradInput ? arena.take(4 * batch * timeSteps * inputs) : 0;
    this.ensure(arena.bytes);
    const { f32, kernels } = this;
    this.uploadSamples(grads.gradCurrent, { ...pass, width: outputs, rows }, activations);
    if (gradWeights || gradDelays) {
      // Accumulated onto the gradients so far, as the TypeScript loops do.
      if (grads.gradWeights) this.uploadRows(grads.gradWeights, 1, synapses, synapses, gradWeights);
      if (grads.gradDelays) this.uploadRows(grads.gradDelays, 1, synapses, synapses, gradDelays);
      if (weights) this.uploadRows(pass.weights, 1, synapses, synapses, weights);
      const count = this.uploadRowEvents(pass, rows, events);
      kernels.sparseParamGrad(
        events,
        count,
        tables.floorOffsets,
        grads.lerpWeights ? 0 : tables.tapOffsets,
        tables.frac,
        tables.next,
        weights,
        outputs,
        activations,
        gradWeights,
        gradDelays,
      );
      if (grads.gradWeights)
        grads.gradWeights.set(f32.subarray(gradWeights >> 2, (gradWeights >> 2) + synapses));
      if (grads.gradDelays) grads.gradDelays.set(f32.subarray(gradDelays >> 2, (gradDelays >> 2) + synapses));
    }
    if (grads.gradInput) {
      const val1 = pass.twoTaps ? tables.val1 : 0;
      kernels.sparseGather(
        activations,
        rows,
        batch,
        timeSteps,
        tables.tapOffsets,
        tables.val0,
        val1,
        inputs,
        outputs,
        product,
      );
      grads.gradInput.set(f32.subarray(product >> 2, (product >> 2) + batch * timeSteps * inputs));
    }
  }

  maskedForward(pass: MaskedPass, current: RealArray): void {
    const { inputs, outputs, timeSteps } = pass.shape;
    const arena = new Arena(this.cacheEnd);
    const at = this.takeMasked(arena, pass, current.length);
    const value = arena.take(8 * pass.taps.tap.length);
    this.ensure(arena.bytes);
    this.uploadMasked(pass, at);
    this.f64.set(pass.taps.value.subarray(0, pass.taps.start[pass.list.count]!), value >> 3);
    this.f32.fill(0, at.activations >> 2, (at.activations >> 2) + current.length);
    this.kernels.maskedScatter(
      at.slotStart,
      at.post,
      at.tapStart,
      at.tap,
      value,
      at.eventStart,
      at.batchTime,
      at.eventValue,
      inputs,
      outputs,
      timeSteps,
      at.activations,
    );
    current.set(this.f32.subarray(at.activations >> 2, (at.activations >> 2) + current.length));
  }

  maskedBackward(pass: MaskedPass, grads: MaskedBackward): void {
    const { list, taps, shape } = pass;
    const { inputs, outputs, batch, timeSteps } = shape;
    const { gradCurrent, gradWeights, gradDelays, gradInput } = grads;
    const slots = list.count;
    const tapCount = taps.start[slots]!;
    const delayCount = taps.delayStart[slots]!;
    const arena = new Arena(this.cacheEnd);
    const at = this.takeMasked(arena, pass, gradCurrent.length);
    const value = gradInput ? arena.take(8 * tapCount) : 0;
    const kernel = gradWeights ? arena.take(8 * tapCount) : 0;
    const delayAtTap = gradDelays && taps.delayAtTap ? arena.take(8 * tapCount) : 0;
    const delayLists = gradDelays && !taps.delayAtTap;
    const delayStart = delayLists ? arena.take(4 * (slots + 1)) : 0;
    const delayTap = delayLists ? arena.take(4 * delayCount) : 0;
    const delayValue = delayLists ? arena.take(8 * delayCount) : 0;
    const intoWeights = gradWeights ? arena.take(8 * slots) : 0;
    const intoDelays = gradDelays ? arena.take(8 * slots) : 0;
    const byOutput = gradInput ? arena.take(8 * outputs * timeSteps) : 0;
    const sum = gradInput ? arena.take(8 * timeSteps) : 0;
    const product = gradInput ? arena.take(4 * batch * timeSteps * inputs) : 0;
    this.ensure(arena.bytes);
    const { f64, i32, kernels } = this;
    this.uploadMasked(pass, at);
    this.f32.set(gradCurrent, at.activations >> 2);
    if (value) f64.set(taps.value.subarray(0, tapCount), value >> 3);
    if (kernel) f64.set(taps.kernel.subarray(0, tapCount), kernel >> 3);
    if (delayAtTap) f64.set(taps.delayAtTap!.subarray(0, tapCount), delayAtTap >> 3);
    if (delayLists) {
      i32.set(taps.delayStart, delayStart >> 2);
      i32.set(taps.delayTap.subarray(0, delayCount), delayTap >> 2);
      f64.set(taps.delayValue.subarray(0, delayCount), delayValue >> 3);
    }
    if (intoWeights) f64.fill(0, intoWeights >> 3, (intoWeights >> 3) + slots);
    if (intoDelays) f64.fill(0, intoDelays >> 3, (intoDelays >> 3) + slots);
    const reduce = (
      start: number,
      tap: number,
      coefficient: number,
      second: number,
      into: number,
      secondInto: number,
    ): void =>
      kernels.maskedTapReduce(
        at.slotStart,
        at.post,
        start,
        tap,
        coefficient,
        second,
        at.eventStart,
        at.batchTime,
        at.eventValue,
        inputs,
        outputs,
        timeSteps,
        at.activations,
        into,
        secondInto,
      );
    // As sparseParameterGradients: one pass for both where the delay derivative has the forward
    // taps (gauss, lerp), else a pass each (the hardware mode's delay taps are their own list).
    if (delayAtTap && kernel) reduce(at.tapStart, at.tap, kernel, delayAtTap, intoWeights, intoDelays);
    else {
      if (kernel) reduce(at.tapStart, at.tap, kernel, 0, intoWeights, 0);
      if (delayAtTap) reduce(at.tapStart, at.tap, delayAtTap, 0, intoDelays, 0);
      else if (delayLists) reduce(delayStart, delayTap, delayValue, 0, intoDelays, 0);
    }
    if (gradWeights) this.addSlotGrads(list, intoWeights, gradWeights);
    if (gradDelays) this.addSlotGrads(list, intoDelays, gradDelays);
    if (gradInput) {
      this.f32.fill(0, product >> 2, (product >> 2) + batch * timeSteps * inputs);
      kernels.maskedGather(
        at.slotStart,
        at.post,
        at.tapStart,
        at.tap,
        value,
        inputs,
        outputs,
        batch,
        timeSteps,
        at.activations,
        byOutput,
        sum,
        product,
      );
      gradInput.set(this.f32.subarray(product >> 2, (product >> 2) + batch * timeSteps * inputs));
    }
  }

  /** Regions of a masked pass's synapse lists, events and activations. */
  private takeMasked(arena: Arena, pass: MaskedPass, activations: number): MaskedOffsets {
    const { list, taps, events } = pass;
    return {
      slotStart: arena.take(4 * list.start.length),
      post: arena.take(4 * list.count),
      tapStart: arena.take(4 * (list.count + 1)),
      tap: arena.take(4 * taps.start[list.count]!),
      eventStart: arena.take(4 * events.start.length),
      batchTime: arena.take(4 * events.batchTime.length),
      eventValue: arena.take(8 * events.value.length),
      activations: arena.take(4 * activations),
    };
  }

  private uploadMasked(pass: MaskedPass, at: MaskedOffsets): void {
    const { list, taps, events } = pass;
    const { i32, f64 } = this;
    i32.set(list.start, at.slotStart >> 2);
    i32.set(list.post.subarray(0, list.count), at.post >> 2);
    i32.set(taps.start.subarray(0, list.count + 1), at.tapStart >> 2);
    i32.set(taps.tap.subarray(0, taps.start[list.count]!), at.tap >> 2);
    i32.set(events.start, at.eventStart >> 2);
    i32.set(events.batchTime, at.batchTime >> 2);
    f64.set(events.value, at.eventValue >> 3);
  }

  /** grads[index[s]] += the slot sums at `at` (f64 per slot), rounded to the gradients' precision. */
  private addSlotGrads(list: SynapseList, at: number, grads: RealArray): void {
    const f64 = this.f64;
    const base = at >> 3;
    const index = list.index;
    for (let s = 0; s < list.count; s++) grads[index[s]!] = grads[index[s]!]! + f64[base + s]!;
  }

  /**
   * The one- and two-tap tables of the pass's layer: computed, or when `reuse` (a backward right
   * after its forward) those its forward computed, if still cached.
   */
  private sparseTablesOf(pass: SparsePass, reuse: boolean): SparseTableOffsets {
    const key = pass.weights;
    const bytes = 4 * pass.inputs * pass.outputs;
    let entry = this.tableCache.get(key);
    if (entry && reuse && entry.bytes === bytes) return entry.at;
    if (!entry || entry.bytes !== bytes) {
      // A new layer, or one resized (its old region cannot be reused): past MAX_CACHED_LAYERS,
      // or on a resize, every cached table is dropped at once and the cache starts over.
      if (entry || this.tableCache.size >= MAX_CACHED_LAYERS) {
        this.tableCache.clear();
        this.cacheEnd = roundUp(this.heapBase, 16);
      }
      const arena = new Arena(this.cacheEnd);
      const at: SparseTableOffsets = {
        tapOffsets: arena.take(bytes),
        floorOffsets: arena.take(bytes),
        val0: arena.take(bytes),
        val1: arena.take(bytes),
        frac: arena.take(bytes),
        next: arena.take(bytes),
      };
      this.ensure(arena.bytes);
      this.cacheEnd = arena.bytes;
      entry = { at, bytes };
      this.tableCache.set(key, entry);
    }
    this.fillSparseTables(pass, entry.at);
    return entry.at;
  }

  /** Computes the tables from the parameters, staged just above the cache. */
  private fillSparseTables(pass: SparsePass, at: SparseTableOffsets): void {
    const synapses = pass.inputs * pass.outputs;
    const staging = new Arena(this.cacheEnd);
    const weights = staging.take(4 * synapses);
    const delays = staging.take(4 * synapses);
    this.ensure(staging.bytes);
    this.uploadRows(pass.weights, 1, synapses, synapses, weights);
    this.uploadRows(pass.delays, 1, synapses, synapses, delays);
    this.kernels.sparseTables(
      weights,
      delays,
      pass.inputs,
      pass.outputs,
      pass.taps,
      pass.twoTaps ? 1 : 0,
      pass.nearest ? 1 : 0,
      at.tapOffsets,
      at.floorOffsets,
      at.val0,
      at.val1,
      at.frac,
      at.next,
    );
  }

  /** Row events as (padded row, neuron, value) triples; returns their count. */
  private uploadRowEvents(pass: SparsePass, rows: number, at: number): number {
    const { start, neuron, value } = pass.events;
    const { timeSteps } = pass;
    const i32 = this.i32;
    const f32 = this.f32;
    let w = at >> 2;
    for (let r = 0; r + 1 < start.length; r++) {
      const b = Math.floor(r / timeSteps);
      const row = b * rows + (r - b * timeSteps);
      for (let e = start[r]!; e < start[r + 1]!; e++) {
        i32[w] = row;
        i32[w + 1] = neuron[e]!;
        f32[w + 2] = value[e]!;
        w += 3;
      }
    }
    return start[start.length - 1]!;
  }

  private takeParameters(arena: Arena, pass: GaussPass, shape: Shape): { weights: number; delays: number } {
    const bytes = 4 * pass.inputs * shape.width;
    return { weights: arena.take(bytes), delays: arena.take(bytes) };
  }

  private takeTables(arena: Arena, shape: Shape, taps: number): Tables {
    return {
      norm: arena.take(4 * shape.depth),
      taps: arena.take(4 * shape.depth),
      mean: arena.take(4 * shape.width),
      scratch: arena.take(8 * taps),
    };
  }

  /** Grows the module's memory to `bytes` (views are rebuilt: growing detaches the old buffer). */
  private ensure(bytes: number): void {
    const memory = this.kernels.memory;
    if (bytes <= memory.buffer.byteLength) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    this.f32 = new Float32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
  }

  private neuronTables(
    pass: GaussPass,
    shape: Shape,
    params: { weights: number; delays: number },
    tables: Tables,
    i: number,
    /** 0, or where to write each synapse's window (gatherWindowed). */
    windows = 0,
  ): void {
    const row = 4 * i * shape.width;
    this.kernels.gaussTables(
      params.weights + row,
      params.delays + row,
      pass.outputs,
      shape.width,
      pass.taps,
      pass.sigma,
      pass.radiusSigmas,
      tables.norm,
      tables.taps,
      tables.mean,
      tables.scratch,
      windows,
    );
  }

  /** Weights and delays, [inputs][outputs] -> [inputs][width]. */
  private uploadParameters(pass: GaussPass, shape: Shape, at: { weights: number; delays: number }): void {
    this.uploadRows(pass.weights, pass.inputs, pass.outputs, shape.width, at.weights);
    this.uploadRows(pass.delays, pass.inputs, pass.outputs, shape.width, at.delays);
  }

  private uploadRows(values: RealArray, rows: number, columns: number, width: number, at: number): void {
    const f32 = this.f32;
    const base = at >> 2;
    for (let r = 0; r < rows; r++) {
      const to = base + r * width;
      const from = r * columns;
      if (values instanceof Float32Array) f32.set(values.subarray(from, from + columns), to);
      else for (let c = 0; c < columns; c++) f32[to + c] = values[from + c]!;
      f32.fill(0, to + columns, to + width);
    }
  }

  private addParameterGrads(grads: RealArray, pass: GaussPass, shape: Shape, at: number): void {
    const { inputs, outputs } = pass;
    const f32 = this.f32;
    const base = at >> 2;
    for (let i = 0; i < inputs; i++) {
      const from = base + i * shape.width;
      const to = i * outputs;
      for (let j = 0; j < outputs; j++) grads[to + j]! += f32[from + j]!;
    }
  }

  /**
   * Events as (cell, value) pairs: the cell `cellOf(b, t)` of the event at flat index
   * b * timeSteps + t (the padded row for the dense kernels, the cell in the transposed layout's
   * first column for the windowed ones).
   */
  private uploadEvents(pass: GaussPass, at: number, cellOf: (b: number, t: number) => number): void {
    const { batchTime, value } = pass.events;
    const { timeSteps } = pass;
    const i32 = this.i32;
    const f32 = this.f32;
    const base = at >> 2;
    for (let e = 0; e < batchTime.length; e++) {
      const bt = batchTime[e]!;
      const b = Math.floor(bt / timeSteps);
      i32[base + 2 * e] = cellOf(b, bt - b * timeSteps);
      f32[base + 2 * e + 1] = value[e]!;
    }
  }

  /**
   * [batch][timeSteps][outputs] into the padded layout of `rows` rows of `width` floats per
   * sample, zeros elsewhere.
   */
  private uploadSamples(values: RealArray, layout: SampleLayout, at: number): void {
    const { batch, timeSteps, outputs, width, rows } = layout;
    const f32 = this.f32;
    const base = at >> 2;
    f32.fill(0, base, base + batch * rows * width);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < timeSteps; t++) {
        const to = base + (b * rows + t) * width;
        const from = (b * timeSteps + t) * outputs;
        if (values instanceof Float32Array) f32.set(values.subarray(from, from + outputs), to);
        else for (let j = 0; j < outputs; j++) f32[to + j] = values[from + j]!;
      }
    }
  }

  /** The padded layout back into [batch][timeSteps][outputs]. */
  private downloadSamples(values: RealArray, layout: SampleLayout, at: number): void {
    const { batch, timeSteps, outputs, width, rows } = layout;
    const f32 = this.f32;
    const base = at >> 2;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < timeSteps; t++) {
        const from = base + (b * rows + t) * width;
        values.set(f32.subarray(from, from + outputs), (b * timeSteps + t) * outputs);
      }
    }
  }

  private zeroPanelColumn(panel: number, depth: number, inputsPadded: number, i: number): void {
    const f32 = this.f32;
    for (let q = 0, at = (panel >> 2) + i; q < depth; q++, at += inputsPadded) f32[at] = 0;
  }

  private downloadInputGrad(
    gradInput: RealArray,
    pass: GaussPass,
    shape: Shape,
    product: number,
    inputsPadded: number,
  ): void {
    const { batch, timeSteps, inputs } = pass;
    const f32 = this.f32;
    const base = product >> 2;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < timeSteps; t++) {
        const from = base + (b * shape.paddedSteps + t) * inputsPadded;
        gradInput.set(f32.subarray(from, from + inputs), (b * timeSteps + t) * inputs);
      }
    }
  }
}

/** Activations of [batch][timeSteps][outputs] padded to `rows` rows of `width` floats per sample. */
interface SampleLayout {
  batch: number;
  timeSteps: number;
  outputs: number;
  width: number;
  rows: number;
}

/** Byte offsets of a masked pass's staged lists (see maskedScatter in layerKernels.as.ts). */
interface MaskedOffsets {
  slotStart: number;
  post: number;
  tapStart: number;
  tap: number;
  eventStart: number;
  batchTime: number;
  eventValue: number;
  /** Activations or their gradients, f32 [samples * timeSteps][outputs]. */
  activations: number;
}

/** Byte offsets of the one- and two-tap kernels' per-synapse tables (see sparseTables). */
interface SparseTableOffsets {
  tapOffsets: number;
  floorOffsets: number;
  val0: number;
  val1: number;
  frac: number;
  next: number;
}

/** Byte offsets of one neuron's tables. */
interface Tables {
  norm: number;
  taps: number;
  mean: number;
  scratch: number;
}

/** Where one neuron's window tables lie (byte offsets; layouts in layerKernels.as.ts). */
interface WindowTables extends Tables {
  windows: number;
}

const layerKernelModule = kernelModule(WASM_BASE64);

/** Kernels for this thread: compiles the module on first use (a few KB, synchronously). */
export function createWasmLayerKernels(
  windowedFraction = WINDOWED_FRACTION,
  windowedGatherFraction = WINDOWED_GATHER_FRACTION,
): WasmLayerKernels {
  return new WasmLayerKernels(layerKernelModule(), windowedFraction, windowedGatherFraction);
}
