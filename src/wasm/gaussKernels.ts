import type { GaussAccelerator, GaussBackward, GaussPass } from '../core/synapses/gaussAccelerator.ts';
import type { RealArray } from '../core/tensor.ts';
import { WASM_BASE64 } from './gaussKernels.generated.ts';

/** The exports of gaussKernels.as.ts (pointers are byte offsets into `memory`). */
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
const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/**
 * Where one pass's buffers lie in the module's memory (byte offsets; see gaussKernels.as.ts for
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
 * The WebAssembly SIMD kernels of the float32 Gaussian path behind the GaussAccelerator interface:
 * one module instance (and its memory) per thread, which grows to the largest pass and stays.
 * Sums of products add in float32 where the TypeScript reference adds in float64, so results
 * agree to float32 rounding, not bit for bit.
 */
export class WasmGaussKernels implements GaussAccelerator {
  readonly name = 'wasm-simd';
  private readonly kernels: KernelExports;
  private readonly heapBase: number;
  private f32: Float32Array;
  private i32: Int32Array;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort: () => {
          throw new Error('WebAssembly kernel aborted');
        },
      },
    });
    this.kernels = instance.exports as unknown as KernelExports;
    this.heapBase = this.kernels.heapBase();
    this.f32 = new Float32Array(this.kernels.memory.buffer);
    this.i32 = new Int32Array(this.kernels.memory.buffer);
  }

  /** Bytes of WebAssembly memory this instance holds. */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  forward(pass: GaussPass, current: RealArray): void {
    const shape = shapeOf(pass);
    const { batch, inputs, taps, events } = pass;
    const { width, rows, depth } = shape;
    const arena = new Arena(this.heapBase);
    const params = this.takeParameters(arena, pass, shape);
    const activations = arena.take(4 * batch * rows * width);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeTables(arena, shape, taps);
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    this.f32.fill(0, activations >> 2, (activations >> 2) + batch * rows * width);
    this.uploadEvents(pass, shape, eventPairs);
    const k = this.kernels;
    const start = events.start;
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0) continue;
      this.neuronTables(pass, shape, params, tables, i);
      k.scatterEvents(tables.taps, depth, activations, width, eventPairs + 8 * start[i]!, count);
    }
    this.downloadActivations(current, pass, shape, activations);
  }

  backward(pass: GaussPass, grads: GaussBackward): void {
    const shape = shapeOf(pass);
    const { batch, inputs, taps, events, sigma } = pass;
    const { width, rows, depth, paddedSteps } = shape;
    const { gradInput } = grads;
    const wantParams = grads.gradWeights !== null || grads.gradDelays !== null;
    const inputsPadded = roundUp(inputs, 8);
    const arena = new Arena(this.heapBase);
    const params = this.takeParameters(arena, pass, shape);
    const gradWeights = grads.gradWeights ? arena.take(4 * inputs * width) : 0;
    const gradDelays = grads.gradDelays ? arena.take(4 * inputs * width) : 0;
    const activations = arena.take(4 * batch * rows * width);
    const eventPairs = arena.take(8 * events.batchTime.length);
    const tables = this.takeTables(arena, shape, taps);
    const tapGrad = arena.take(4 * depth);
    const panel = gradInput ? arena.take(4 * depth * inputsPadded) : 0;
    const product = gradInput ? arena.take(4 * batch * paddedSteps * inputsPadded) : 0;
    this.ensure(arena.bytes);
    this.uploadParameters(pass, shape, params);
    if (gradWeights) this.f32.fill(0, gradWeights >> 2, (gradWeights >> 2) + inputs * width);
    if (gradDelays) this.f32.fill(0, gradDelays >> 2, (gradDelays >> 2) + inputs * width);
    this.uploadActivations(grads.gradCurrent, pass, shape, activations);
    this.uploadEvents(pass, shape, eventPairs);
    const k = this.kernels;
    const start = events.start;
    const invVariance = 1 / (sigma * sigma);
    for (let i = 0; i < inputs; i++) {
      const count = start[i + 1]! - start[i]!;
      if (count === 0 && !gradInput) continue;
      this.neuronTables(pass, shape, params, tables, i);
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
      if (gradInput) k.storeInputTaps(tables.taps, depth, panel, inputsPadded, i);
    }
    if (grads.gradWeights) this.addParameterGrads(grads.gradWeights, pass, shape, gradWeights);
    if (grads.gradDelays) this.addParameterGrads(grads.gradDelays, pass, shape, gradDelays);
    if (gradInput) {
      // Only columns < inputs of the panel are written; the rest are read by the product's last
      // block of 8 inputs and must be zero.
      for (let i = inputs; i < inputsPadded; i++) this.zeroPanelColumn(panel, depth, inputsPadded, i);
      k.gatherProduct(activations, rows, width, batch, paddedSteps, panel, depth, inputsPadded, product);
      this.downloadInputGrad(gradInput, pass, shape, product, inputsPadded);
    }
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
    this.i32 = new Int32Array(memory.buffer);
  }

  private neuronTables(
    pass: GaussPass,
    shape: Shape,
    params: { weights: number; delays: number },
    tables: Tables,
    i: number,
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

  /** Events as (padded row, value) pairs: row b * rows + t of the event at flat index b * timeSteps + t. */
  private uploadEvents(pass: GaussPass, shape: Shape, at: number): void {
    const { batchTime, value } = pass.events;
    const { timeSteps } = pass;
    const i32 = this.i32;
    const f32 = this.f32;
    const base = at >> 2;
    for (let e = 0; e < batchTime.length; e++) {
      const bt = batchTime[e]!;
      const b = Math.floor(bt / timeSteps);
      i32[base + 2 * e] = b * shape.rows + (bt - b * timeSteps);
      f32[base + 2 * e + 1] = value[e]!;
    }
  }

  /** [batch][timeSteps][outputs] into the padded layout, zeros elsewhere. */
  private uploadActivations(values: RealArray, pass: GaussPass, shape: Shape, at: number): void {
    const { batch, timeSteps, outputs } = pass;
    const { width, rows } = shape;
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

  private downloadActivations(values: RealArray, pass: GaussPass, shape: Shape, at: number): void {
    const { batch, timeSteps, outputs } = pass;
    const { width, rows } = shape;
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

/** Byte offsets of one neuron's tables. */
interface Tables {
  norm: number;
  taps: number;
  mean: number;
  scratch: number;
}

let compiled: WebAssembly.Module | null = null;

/** Kernels for this thread: compiles the module on first use (a few KB, synchronously). */
export function createWasmGaussKernels(): WasmGaussKernels {
  if (!compiled) {
    const bytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
    compiled = new WebAssembly.Module(bytes);
  }
  return new WasmGaussKernels(compiled);
}
