// Shared by delay_forward.wgsl and delay_forward_sparse.wgsl: the TypeScript side prepends it
// (WGSL has no include). Shape and kernel mode are pipeline-overridable constants.

override INPUTS: u32 = 1u;
override OUTPUTS: u32 = 1u;
override STEPS: u32 = 1u;
override MAX_DELAY: u32 = 1u;
// 0 = gauss, 1 = lerp, 2 = one tap at floor(d), 3 = one tap at round(d) (round and hardware).
override MODE: u32 = 0u;

struct Params {
  batch: u32,
  // Standard deviation of the Gaussian kernel (time steps).
  sigma: f32,
}

// The Gaussian kernel of a delay d (time steps): taps exp(-(k - d)^2 / (2 sigma^2)) / z, with
// exponents taken relative to the tap nearest d so a tiny sigma cannot underflow every tap to 0
// (the common factor cancels in the normalisation z).
struct Gauss {
  h: f32,
  x0: f32,
  z: f32,
}

fn gauss_of(d: f32, sigma: f32) -> Gauss {
  let h = 1.0 / (2.0 * sigma * sigma);
  let centre = clamp(round(d), 0.0, f32(MAX_DELAY - 1u));
  let x0 = (centre - d) * (centre - d);
  var z = 0.0;
  for (var k = 0u; k < MAX_DELAY; k++) {
    let x = f32(k) - d;
    z += exp(-(x * x - x0) * h);
  }
  return Gauss(h, x0, z);
}

// Tap k before normalisation (divide by g.z).
fn gauss_tap(k: u32, d: f32, g: Gauss) -> f32 {
  let x = f32(k) - d;
  return exp(-(x * x - g.x0) * g.h);
}
