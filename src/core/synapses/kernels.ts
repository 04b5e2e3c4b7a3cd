import type { DELAY_ROUNDINGS, HARDWARE_BACKWARDS, KERNEL_MODES, OptionValue } from '../options.ts';
import type { Precision } from '../tensor.ts';

/**
 * Per-synapse delay kernels. A synapse with weight w and real delay d (time steps, in
 * [0, maxDelay - 1]) turns a presynaptic spike at step t into current at steps t + k, k in
 * [0, maxDelay), with tap values K[k]:
 *
 *   gauss  K[k] = w * g(k) / sum_m g(m),  g(k) = exp(-(k - d)^2 / (2 sigma^2))   (DCLS)
 *   lerp   K[floor(d)] = w (1 - frac(d)),  K[floor(d) + 1] = w frac(d)
 *   round  K[q(d)] = w with q = floor or nearest: one tap, the ring buffer
 *
 * 'hardware' runs forward as `round` and takes the delay gradient from the smooth kernel named
 * by `hardwareBackward` ("forward as the hardware would, backward smooth", as SLAYER does).
 * Taps are computed from (w, d, sigma) when needed and never stored for a whole layer.
 */
export type KernelMode = OptionValue<typeof KERNEL_MODES>;
export type DelayRounding = OptionValue<typeof DELAY_ROUNDINGS>;

export interface DelayKernelConfig {
  mode: KernelMode;
  /** Td: number of taps; delays live in delayRange(Td) = [0, Td - 1] time steps. */
  maxDelay: number;
  /** How `round` and the hardware forward quantise a real delay. */
  rounding: DelayRounding;
  /** The smooth kernel whose delay derivative the hardware mode uses. */
  hardwareBackward: OptionValue<typeof HARDWARE_BACKWARDS>;
}

export interface DelayRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The delays a kernel of `maxDelay` taps (Td) can apply, in time steps: [0, Td - 1]. Tap k
 * carries a spike's current k steps later, so a delay beyond the last tap has nowhere to go.
 * The one statement of this rule: validation, clamping and displays derive from it.
 */
export function delayRange(maxDelay: number): DelayRange {
  return { min: 0, max: maxDelay - 1 };
}

/** `delay` clamped into delayRange(maxDelay). */
export function clampDelay(delay: number, maxDelay: number): number {
  const { min, max } = delayRange(maxDelay);
  return delay < min ? min : delay > max ? max : delay;
}

/** Whether the kernel gives a gradient with respect to the delay. */
export function hasDelayGradient(mode: KernelMode): boolean {
  return mode !== 'round';
}

/** Integer tap used by `round` and the hardware forward, clamped into delayRange(maxDelay). */
export function quantiseDelay(delay: number, rounding: DelayRounding, maxDelay: number): number {
  return clampDelay(rounding === 'floor' ? Math.floor(delay) : Math.round(delay), maxDelay);
}

/**
 * How far from its delay a Gaussian kernel reaches, in sigmas: taps with |k - d| beyond it are
 * 0 and the normalisation sums the same window. At 5.8 sigma a tap is exp(-5.8^2 / 2) = 4.9e-8
 * of the peak, below 2^-24 (6.0e-8), so zero next to the peak in float32: the float32 engines (the
 * GPU's shaders/gauss.wgsl, the CPU in f32) use it. In float64 (gradient checks, the PyTorch
 * comparisons) the window reaches 8.6 sigma, exp(-8.6^2 / 2) = 9e-17 < 2^-53, so that moving a
 * delay across the window's edge changes the kernel by less than float64 rounding and finite
 * differences see no jump.
 */
export const GAUSS_RADIUS_SIGMAS: Readonly<Record<Precision, number>> = { f32: 5.8, f64: 8.6 };

/**
 * Taps lo..hi (inclusive) of a Gaussian kernel: those no smaller than exp(-radiusSigmas^2 / 2)
 * times the largest tap (the one nearest d, at distance c), i.e. |k - d|^2 <= c^2 + (radius sigma)^2.
 * With c = 0 that is |k - d| <= radiusSigmas sigma; a half-integer delay keeps both its nearest
 * taps even when sigma is tiny.
 */
export function gaussWindow(
  delay: number,
  sigma: number,
  maxDelay: number,
  radiusSigmas: number,
): { lo: number; hi: number } {
  const { min, max } = delayRange(maxDelay);
  const centre = clampDelay(Math.round(delay), maxDelay);
  const c = centre - delay;
  const r = Math.sqrt(c * c + (radiusSigmas * sigma) ** 2);
  return {
    lo: Math.min(centre, Math.max(min, Math.ceil(delay - r))),
    hi: Math.max(centre, Math.min(max, Math.floor(delay + r))),
  };
}

/**
 * Writes the normalised Gaussian g(k) / sum g for k in [0, maxDelay) to
 * `out[offset + k * stride]` (0 outside `window`, a gaussWindow of the same delay and sigma) and
 * returns the mean tap sum_k k * n(k), which the delay gradient needs:
 * d n(k) / d d = n(k) (k - mean) / sigma^2.
 *
 * The exponentials are evaluated by a ratio recurrence outwards from the tap nearest to d, so a
 * synapse costs three `exp` calls plus two multiplications per tap; all ratios are <= 1, so the
 * recurrence can only underflow where the true value is negligible.
 */
export function gaussianTaps(
  delay: number,
  sigma: number,
  maxDelay: number,
  out: Float64Array,
  offset: number,
  stride: number,
  /** The taps to compute (gaussWindow's; by default the float64 window), the rest set to 0. */
  window: { lo: number; hi: number } = gaussWindow(delay, sigma, maxDelay, GAUSS_RADIUS_SIGMAS.f64),
): number {
  const centre = clampDelay(Math.round(delay), maxDelay);
  const { lo, hi } = window;
  const h = 1 / (2 * sigma * sigma);
  const q = Math.exp(-2 * h);
  const x = centre - delay;
  // The common factor exp(-x^2 h) cancels in the normalisation; leaving it out keeps the
  // centre tap at 1, so a tiny sigma cannot underflow every tap to 0 (0 / 0).
  const gc = 1;
  let total = gc;
  let moment = gc * centre;
  out[offset + centre * stride] = gc;
  let g = gc;
  let ratio = Math.exp(-(2 * x + 1) * h);
  for (let k = centre + 1; k <= hi; k++) {
    g *= ratio;
    ratio *= q;
    out[offset + k * stride] = g;
    total += g;
    moment += g * k;
  }
  g = gc;
  ratio = Math.exp((2 * x - 1) * h);
  for (let k = centre - 1; k >= lo; k--) {
    g *= ratio;
    ratio *= q;
    out[offset + k * stride] = g;
    total += g;
    moment += g * k;
  }
  const inv = 1 / total;
  for (let k = 0; k < lo; k++) out[offset + k * stride] = 0;
  for (let k = lo; k <= hi; k++) out[offset + k * stride]! *= inv;
  for (let k = hi + 1; k < maxDelay; k++) out[offset + k * stride] = 0;
  return moment * inv;
}

/**
 * Dense tap values of one synapse (for tests, plots and the explicit reference). The engine
 * itself never builds these for a whole layer.
 */
export function synapseTaps(
  config: DelayKernelConfig,
  weight: number,
  delay: number,
  sigma: number,
): Float64Array {
  const td = config.maxDelay;
  const taps = new Float64Array(td);
  const mode = config.mode === 'hardware' ? 'round' : config.mode;
  if (mode === 'gauss') {
    gaussianTaps(delay, sigma, td, taps, 0, 1);
    for (let k = 0; k < td; k++) taps[k]! *= weight;
  } else if (mode === 'lerp') {
    const n = Math.floor(delay);
    const frac = delay - n;
    if (n >= 0 && n < td) taps[n] = weight * (1 - frac);
    if (n + 1 >= 0 && n + 1 < td) taps[n + 1] = weight * frac;
  } else {
    taps[quantiseDelay(delay, config.rounding, td)] = weight;
  }
  return taps;
}
