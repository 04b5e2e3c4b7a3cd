import type { OptionValue, SURROGATES } from '../options.ts';

/**
 * Surrogate spike functions as `{ f, df }` pairs. `df` is the pseudo-derivative used in place of
 * the Heaviside step's derivative during backpropagation; `f` is its primitive, a smooth step from
 * 0 to 1, so that `df` is exactly `f`'s derivative. The smooth `f` is used by the gradient check:
 * a network whose spikes are `f(u - threshold)` is differentiable, and its exact gradient is what
 * the BPTT code computes with `df`.
 *
 * Arguments are in membrane units (the distance `u - threshold`), so each surrogate's width must
 * match the scale of the membrane it is applied to.
 */
export type SurrogateKind = OptionValue<typeof SURROGATES>;

export interface SurrogateConfig {
  kind: SurrogateKind;
  /**
   * Sharpness in 1 / membrane units: arctan's alpha, fast sigmoid's slope, or 1 / width of
   * SLAYER's exponential PDF. The peak of df is alpha / 2 for every kind.
   */
  alpha: number;
}

export interface Surrogate {
  f(x: number): number;
  df(x: number): number;
}

export function makeSurrogate(config: SurrogateConfig): Surrogate {
  const a = config.alpha;
  switch (config.kind) {
    case 'arctan': {
      // df = (a/2) / (1 + (pi/2 * a * x)^2): the form snnTorch and SpikingJelly use.
      const c = (Math.PI / 2) * a;
      return {
        f: (x) => Math.atan(c * x) / Math.PI + 0.5,
        df: (x) => a / 2 / (1 + c * x * c * x),
      };
    }
    case 'fastSigmoid':
      // df = (a/2) / (1 + a|x|)^2, the SuperSpike shape normalised to integrate to 1.
      return {
        f: (x) => (Number.isFinite(x) ? 0.5 + (0.5 * a * x) / (1 + a * Math.abs(x)) : x > 0 ? 1 : 0),
        df: (x) => {
          const d = 1 + a * Math.abs(x);
          return a / 2 / (d * d);
        },
      };
    case 'slayerExp':
      // SLAYER's spike-escape PDF: df = (a/2) exp(-a|x|), a Laplace density. Half of SLAYER's own
      // scale: SLAYER's backward uses scaleRho / tau exp(-|x| / tau) (tau = tauRho theta = 1/a),
      // which integrates to 2 scaleRho; ours integrates to 1, so f is its CDF and the smooth spike
      // mode's f(u - theta) is a proper spike probability. With Adam the factor 2 on every
      // gradient through a spike is mostly absorbed (Adam divides by the gradient's scale).
      return {
        f: (x) => (x < 0 ? 0.5 * Math.exp(a * x) : 1 - 0.5 * Math.exp(-a * x)),
        df: (x) => 0.5 * a * Math.exp(-a * Math.abs(x)),
      };
  }
}
