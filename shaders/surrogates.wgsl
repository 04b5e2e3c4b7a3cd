// Surrogate spike derivatives shared by the neuron backward shaders, which NeuronBackward.ts
// compiles with this file prepended. Same {df} as src/core/neurons/surrogates.ts; x is
// u - threshold in membrane units, and the peak of df is alpha / 2.

// 0 = arctan, 1 = fast sigmoid, 2 = SLAYER's exponential (Laplace) PDF.
override SURROGATE: u32 = 0u;

const HALF_PI: f32 = 1.5707963267948966;

fn surrogate_df(x: f32, alpha: f32) -> f32 {
  if (SURROGATE == 0u) {
    let cx = HALF_PI * alpha * x;
    return alpha / 2.0 / (1.0 + cx * cx);
  } else if (SURROGATE == 1u) {
    let d = 1.0 + alpha * abs(x);
    return alpha / 2.0 / (d * d);
  }
  return 0.5 * alpha * exp(-alpha * abs(x));
}
