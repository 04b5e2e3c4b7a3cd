// The Gaussian (DCLS) delay kernel, shared by the delay forward, sparse forward and backward
// shaders and by gauss_norms.wgsl (the TypeScript side prepends it; WGSL has no include). Each
// shader that uses it declares `override MAX_DELAY: u32` (Td, the number of taps).
//
// Tap k of a synapse with delay d (time steps) is n(k) = exp(-(k - d)^2 / (2 sigma^2)) / z.
// Taps below exp(-5.8^2 / 2) = 4.9e-8 of the largest tap (under 2^-24 = 6.0e-8, i.e. zero next
// to it in float32) are left out: with c the distance from d to its nearest tap, those with
// |k - d|^2 > c^2 + (5.8 sigma)^2. The normalisation z sums the same window, so late in a run
// (sigma near 0.5) a synapse touches 5 or 6 taps instead of Td.
// src/core/synapses/kernels.ts states the same rule (gaussWindow) for the CPU engine.

const GAUSS_RADIUS_SIGMAS: f32 = 5.8;

// Taps lo..hi (inclusive) of one synapse, and what its raw taps need.
struct GaussWindow {
  lo: u32,
  hi: u32,
  // The tap nearest d: exponents are taken relative to it, so a tiny sigma cannot underflow
  // every tap to 0 (the common factor cancels in the normalisation).
  centre: f32,
  // 1 / (2 sigma^2).
  h: f32,
}

fn gauss_window(d: f32, sigma: f32) -> GaussWindow {
  let last = f32(MAX_DELAY - 1u);
  let centre = clamp(round(d), 0.0, last);
  let c = centre - d;
  let r = sqrt(c * c + (GAUSS_RADIUS_SIGMAS * sigma) * (GAUSS_RADIUS_SIGMAS * sigma));
  // The centre tap always belongs to the window (against rounding when sigma is tiny).
  let lo = clamp(ceil(d - r), 0.0, centre);
  let hi = clamp(floor(d + r), centre, last);
  return GaussWindow(u32(lo), u32(hi), centre, 1.0 / (2.0 * sigma * sigma));
}

// Tap k before normalisation (multiply by 1 / z from gauss_norms.wgsl).
fn gauss_raw(k: u32, d: f32, w: GaussWindow) -> f32 {
  let x = f32(k) - d;
  let c = w.centre - d;
  return exp(-(x * x - c * c) * w.h);
}

// The raw taps of one synapse walked upwards from its window's first tap, two multiplications
// per tap after three exps (the ratio recurrence g(k + 1) = g(k) exp(-(2 (k - d) + 1) h), whose
// ratio shrinks by exp(-2 h) per tap): `value` is tap k's raw value, gauss_next moves to k + 1.
// Starting at the window's edge, every value is at least 2^-24 of the peak: nothing underflows.
struct GaussWalk {
  value: f32,
  ratio: f32,
  shrink: f32,
}

fn gauss_walk(d: f32, w: GaussWindow) -> GaussWalk {
  let x = f32(w.lo) - d;
  let c = w.centre - d;
  return GaussWalk(exp(-(x * x - c * c) * w.h), exp(-(2.0 * x + 1.0) * w.h), exp(-2.0 * w.h));
}

fn gauss_next(walk: ptr<function, GaussWalk>) {
  (*walk).value *= (*walk).ratio;
  (*walk).ratio *= (*walk).shrink;
}
