import { allocReal, eventsByNeuron, type EventsByNeuron, type Precision, type RealArray } from '../tensor.ts';
import { gaussianTaps, hasDelayGradient, quantiseDelay, type DelayKernelConfig } from './kernels.ts';

/**
 * A dense layer of delay synapses from `inputs` to `outputs` neurons. Synapse (i -> j) has
 * weight `weights[i * outputs + j]` and real delay `delays[i * outputs + j]` (time steps).
 *
 * Forward: current[b, t, j] = sum_i sum_k K_ij[k] * s[b, t - k, i]. Only non-zero inputs are
 * visited (binary spikes are sparse), one presynaptic neuron at a time, so the taps of its
 * `outputs` synapses are computed once per call and shared by all its spikes in the batch.
 * Scratch memory is O(outputs * maxDelay); parameters and gradients are O(inputs * outputs).
 */
export class DelayLayer {
  readonly weights: RealArray;
  readonly delays: RealArray;
  readonly gradWeights: RealArray;
  readonly gradDelays: RealArray;
  /** Optional connectivity: 0 removes a synapse (its weight is held at 0, its gradients are 0). */
  mask: Uint8Array | null = null;
  /** Standard deviation (time steps) of the Gaussian kernel; set by the sigma schedule. */
  sigma = 1;
  /** Skip gradients nobody will use (frozen weights or delays). */
  computeWeightGrad = true;
  computeDelayGrad = true;

  private events: EventsByNeuron | null = null;
  private batch = 0;
  private timeSteps = 0;
  // Scratch, O(outputs * maxDelay).
  private readonly denseTaps: Float64Array;
  private readonly denseNorm: Float64Array;
  private readonly denseGrad: Float64Array;
  private readonly meanTap: Float64Array;
  private readonly tap0: Int32Array;
  private readonly val0: Float64Array;
  private readonly val1: Float64Array;
  private readonly floorTap: Int32Array;
  private readonly frac: Float64Array;
  private readonly accW: Float64Array;
  private readonly accD: Float64Array;

  constructor(
    readonly inputs: number,
    readonly outputs: number,
    readonly kernel: DelayKernelConfig,
    readonly precision: Precision,
  ) {
    const n = inputs * outputs;
    this.weights = allocReal(precision, n);
    this.delays = allocReal(precision, n);
    this.gradWeights = allocReal(precision, n);
    this.gradDelays = allocReal(precision, n);
    const td = kernel.maxDelay;
    this.denseTaps = new Float64Array(td * outputs);
    this.denseNorm = new Float64Array(td * outputs);
    this.denseGrad = new Float64Array(td * outputs);
    this.meanTap = new Float64Array(outputs);
    this.tap0 = new Int32Array(outputs);
    this.val0 = new Float64Array(outputs);
    this.val1 = new Float64Array(outputs);
    this.floorTap = new Int32Array(outputs);
    this.frac = new Float64Array(outputs);
    this.accW = new Float64Array(outputs);
    this.accD = new Float64Array(outputs);
  }

  get hasDelayGradient(): boolean {
    return hasDelayGradient(this.kernel.mode);
  }

  /** Bytes held by this layer's parameters, gradients and scratch (not activations). */
  get parameterBytes(): number {
    const real = this.precision === 'f64' ? 8 : 4;
    const scratch = 8 * (3 * this.denseTaps.length + 7 * this.outputs) + 4 * 2 * this.outputs;
    return 4 * this.weights.length * real + scratch + (this.mask ? this.mask.length : 0);
  }

  zeroGrad(): void {
    this.gradWeights.fill(0);
    this.gradDelays.fill(0);
  }

  /** Clamp delays to [0, maxDelay - 1] and hold masked weights at zero. */
  constrain(): void {
    const hi = this.kernel.maxDelay - 1;
    const d = this.delays;
    for (let q = 0; q < d.length; q++) {
      const v = d[q]!;
      if (v < 0) d[q] = 0;
      else if (v > hi) d[q] = hi;
    }
    const mask = this.mask;
    if (mask) for (let q = 0; q < mask.length; q++) if (mask[q] === 0) this.weights[q] = 0;
  }

  /** input: [batch][timeSteps][inputs] -> current: [batch][timeSteps][outputs]. */
  forward(input: ArrayLike<number>, batch: number, timeSteps: number): RealArray {
    const events = eventsByNeuron(input, batch, timeSteps, this.inputs);
    this.events = events;
    this.batch = batch;
    this.timeSteps = timeSteps;
    const current = allocReal(this.precision, batch * timeSteps * this.outputs);
    const dense = this.kernel.mode === 'gauss';
    for (let i = 0; i < this.inputs; i++) {
      if (events.start[i] === events.start[i + 1]) continue;
      if (dense) {
        this.fillGaussTaps(i);
        this.scatterDense(i, current);
      } else {
        this.fillSparseTaps(i);
        this.scatterSparse(i, current);
      }
    }
    return current;
  }

  /**
   * Accumulates dL/dweights and dL/ddelays into the gradient buffers from dL/dcurrent, and
   * returns dL/dinput ([batch][timeSteps][inputs]) when asked for.
   */
  backward(gradCurrent: RealArray, needInputGrad: boolean): RealArray | null {
    const events = this.events;
    if (!events) throw new Error('DelayLayer.backward called before forward');
    const gradInput = needInputGrad
      ? allocReal(this.precision, this.batch * this.timeSteps * this.inputs)
      : null;
    const mode = this.kernel.mode;
    const wantDelay = this.computeDelayGrad && hasDelayGradient(mode);
    const smoothGauss = mode === 'gauss' || (mode === 'hardware' && this.kernel.hardwareBackward === 'gauss');
    for (let i = 0; i < this.inputs; i++) {
      const hasEvents = events.start[i] !== events.start[i + 1];
      if (!hasEvents && !gradInput) continue;
      if (mode === 'gauss') {
        this.fillGaussTaps(i);
        if (hasEvents && (this.computeWeightGrad || wantDelay)) this.gaussParamGrad(i, gradCurrent, wantDelay);
        if (gradInput) this.gatherDense(i, gradCurrent, gradInput);
        continue;
      }
      this.fillSparseTaps(i);
      if (hasEvents && (this.computeWeightGrad || wantDelay)) {
        this.sparseParamGrad(i, gradCurrent, wantDelay && !smoothGauss);
        if (wantDelay && smoothGauss) {
          // Hardware mode with a Gaussian backward: delay gradient from the smooth kernel.
          this.fillGaussNorm(i);
          this.accumulateTapGrad(i, gradCurrent);
          this.gaussReduce(i, false, true);
        }
      }
      if (gradInput) this.gatherSparse(i, gradCurrent, gradInput);
    }
    const mask = this.mask;
    if (mask) {
      for (let q = 0; q < mask.length; q++) {
        if (mask[q] === 0) {
          this.gradWeights[q] = 0;
          this.gradDelays[q] = 0;
        }
      }
    }
    return gradInput;
  }

  // ---- Gaussian (dense-tap) path ------------------------------------------------------------

  /** Normalised Gaussians of neuron i's synapses into denseNorm[k * outputs + j], means into meanTap. */
  private fillGaussNorm(i: number): void {
    const { outputs, delays, sigma, denseNorm, meanTap } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) meanTap[j] = gaussianTaps(delays[row + j]!, sigma, td, denseNorm, j, outputs);
  }

  /** Tap values w * n(k) of neuron i's synapses into denseTaps[k * outputs + j]. */
  private fillGaussTaps(i: number): void {
    this.fillGaussNorm(i);
    const { outputs, weights, denseNorm, denseTaps } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    for (let k = 0; k < td; k++) {
      const o = k * outputs;
      for (let j = 0; j < outputs; j++) denseTaps[o + j] = weights[row + j]! * denseNorm[o + j]!;
    }
  }

  private scatterDense(i: number, current: RealArray): void {
    const { outputs, timeSteps, denseTaps } = this;
    const { start, batchTime, value } = this.events!;
    const td = this.kernel.maxDelay;
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const t0 = bt % timeSteps;
      const kMax = Math.min(td, timeSteps - t0);
      for (let k = 0; k < kMax; k++) {
        const o = (bt + k) * outputs;
        const to = k * outputs;
        for (let j = 0; j < outputs; j++) current[o + j]! += val * denseTaps[to + j]!;
      }
    }
  }

  /** denseGrad[k * outputs + j] = dL/dK_ij[k], summed over neuron i's events. */
  private accumulateTapGrad(i: number, gradCurrent: RealArray): void {
    const { outputs, timeSteps, denseGrad } = this;
    const { start, batchTime, value } = this.events!;
    const td = this.kernel.maxDelay;
    denseGrad.fill(0);
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const kMax = Math.min(td, timeSteps - (bt % timeSteps));
      for (let k = 0; k < kMax; k++) {
        const o = (bt + k) * outputs;
        const to = k * outputs;
        for (let j = 0; j < outputs; j++) denseGrad[to + j]! += val * gradCurrent[o + j]!;
      }
    }
  }

  private gaussParamGrad(i: number, gradCurrent: RealArray, wantDelay: boolean): void {
    this.accumulateTapGrad(i, gradCurrent);
    this.gaussReduce(i, this.computeWeightGrad, wantDelay);
  }

  /**
   * From dL/dK[k] (denseGrad) and the normalised Gaussian n(k) (denseNorm):
   *   dL/dw = sum_k G[k] n(k);   dL/dd = (w / sigma^2) sum_k G[k] n(k) (k - mean).
   */
  private gaussReduce(i: number, wantWeight: boolean, wantDelay: boolean): void {
    const { outputs, weights, denseNorm, denseGrad, meanTap, gradWeights, gradDelays } = this;
    const td = this.kernel.maxDelay;
    const row = i * outputs;
    const invVar = 1 / (this.sigma * this.sigma);
    for (let j = 0; j < outputs; j++) {
      let gw = 0;
      let moment = 0;
      for (let k = 0; k < td; k++) {
        const gn = denseGrad[k * outputs + j]! * denseNorm[k * outputs + j]!;
        gw += gn;
        moment += gn * k;
      }
      if (wantWeight) gradWeights[row + j]! += gw;
      if (wantDelay) gradDelays[row + j]! += weights[row + j]! * invVar * (moment - meanTap[j]! * gw);
    }
  }

  /** dL/dinput[b, t, i] = sum_k sum_j K_ij[k] dL/dcurrent[b, t + k, j], for every (b, t). */
  private gatherDense(i: number, gradCurrent: RealArray, gradInput: RealArray): void {
    const { outputs, timeSteps, inputs, denseTaps } = this;
    const td = this.kernel.maxDelay;
    const rows = this.batch * timeSteps;
    for (let bt = 0; bt < rows; bt++) {
      const kMax = Math.min(td, timeSteps - (bt % timeSteps));
      const len = kMax * outputs;
      const o = bt * outputs;
      let s0 = 0;
      let s1 = 0;
      let q = 0;
      for (; q + 1 < len; q += 2) {
        s0 += denseTaps[q]! * gradCurrent[o + q]!;
        s1 += denseTaps[q + 1]! * gradCurrent[o + q + 1]!;
      }
      if (q < len) s0 += denseTaps[q]! * gradCurrent[o + q]!;
      gradInput[bt * inputs + i] = s0 + s1;
    }
  }

  // ---- One- and two-tap (lerp, round, hardware) path ----------------------------------------

  /**
   * Forward taps of neuron i's synapses: value val0 at tap0 and val1 at tap0 + 1 (val1 = 0 for
   * one-tap kernels and where tap0 + 1 falls outside the kernel). Also the floor tap and the
   * fractional part, which the lerp delay derivative needs.
   */
  private fillSparseTaps(i: number): void {
    const { outputs, weights, delays, tap0, val0, val1, floorTap, frac } = this;
    const { mode, maxDelay: td, rounding } = this.kernel;
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) {
      const w = weights[row + j]!;
      const d = delays[row + j]!;
      let n = Math.floor(d);
      if (n > td - 1) n = td - 1;
      if (n < 0) n = 0;
      const f = d - n;
      floorTap[j] = n;
      frac[j] = f;
      if (mode === 'lerp') {
        tap0[j] = n;
        val0[j] = w * (1 - f);
        val1[j] = n + 1 < td ? w * f : 0;
      } else {
        tap0[j] = quantiseDelay(d, rounding, td);
        val0[j] = w;
        val1[j] = 0;
      }
    }
  }

  private scatterSparse(i: number, current: RealArray): void {
    const { outputs, timeSteps, tap0, val0, val1 } = this;
    const { start, batchTime, value } = this.events!;
    const twoTaps = this.kernel.mode === 'lerp';
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const remaining = timeSteps - (bt % timeSteps);
      const o = bt * outputs;
      for (let j = 0; j < outputs; j++) {
        const n = tap0[j]!;
        if (n < remaining) {
          current[o + n * outputs + j]! += val * val0[j]!;
          if (twoTaps && n + 1 < remaining) current[o + (n + 1) * outputs + j]! += val * val1[j]!;
        }
      }
    }
  }

  /**
   * Weight gradient through the forward taps and, for lerp and the hardware mode with a lerp
   * backward, the delay gradient dL/dd = w (G[floor d + 1] - G[floor d]).
   */
  private sparseParamGrad(i: number, gradCurrent: RealArray, lerpDelayGrad: boolean): void {
    const { outputs, timeSteps, tap0, floorTap, frac, accW, accD, weights, gradWeights, gradDelays } = this;
    const { start, batchTime, value } = this.events!;
    const td = this.kernel.maxDelay;
    const lerp = this.kernel.mode === 'lerp';
    const wantWeight = this.computeWeightGrad;
    accW.fill(0);
    accD.fill(0);
    for (let e = start[i]!; e < start[i + 1]!; e++) {
      const bt = batchTime[e]!;
      const val = value[e]!;
      const remaining = timeSteps - (bt % timeSteps);
      const o = bt * outputs;
      for (let j = 0; j < outputs; j++) {
        const m = floorTap[j]!;
        const g0 = m < remaining ? gradCurrent[o + m * outputs + j]! : 0;
        const g1 = m + 1 < remaining && m + 1 < td ? gradCurrent[o + (m + 1) * outputs + j]! : 0;
        if (wantWeight) {
          if (lerp) {
            const f = frac[j]!;
            accW[j]! += val * (g0 * (1 - f) + g1 * f);
          } else {
            const n = tap0[j]!;
            if (n < remaining) accW[j]! += val * gradCurrent[o + n * outputs + j]!;
          }
        }
        if (lerpDelayGrad) accD[j]! += val * (g1 - g0);
      }
    }
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) {
      if (wantWeight) gradWeights[row + j]! += accW[j]!;
      if (lerpDelayGrad) gradDelays[row + j]! += weights[row + j]! * accD[j]!;
    }
  }

  private gatherSparse(i: number, gradCurrent: RealArray, gradInput: RealArray): void {
    const { outputs, timeSteps, inputs, tap0, val0, val1 } = this;
    const twoTaps = this.kernel.mode === 'lerp';
    const rows = this.batch * timeSteps;
    for (let bt = 0; bt < rows; bt++) {
      const remaining = timeSteps - (bt % timeSteps);
      const o = bt * outputs;
      let s = 0;
      for (let j = 0; j < outputs; j++) {
        const n = tap0[j]!;
        if (n < remaining) {
          s += val0[j]! * gradCurrent[o + n * outputs + j]!;
          if (twoTaps && n + 1 < remaining) s += val1[j]! * gradCurrent[o + (n + 1) * outputs + j]!;
        }
      }
      gradInput[bt * inputs + i] = s;
    }
  }
}
