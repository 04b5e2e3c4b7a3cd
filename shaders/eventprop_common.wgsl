// Shared by eventprop_forward.wgsl and eventprop_backward.wgsl (src/gpu/kernels/EventPropLayer.ts
// prepends it): one layer's shape, the model's constants, and where arrivals land.

override INPUTS: u32 = 1u;
override NEURONS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = spiking; a readout whose loss reads 1 = the integral of V, 2 = its maximum.
override OUTPUT: u32 = 0u;

struct Params {
  batch: u32,
  // Step (ms).
  dt: f32,
  tau_mem: f32,
  tau_syn: f32,
  threshold: f32,
}

@group(0) @binding(0) var<uniform> params: Params;

// The step an arrival at `time` ms is delivered at: the first step boundary at or after it, up
// to GRID_TOLERANCE steps of float noise (onGrid in src/core/eventprop/exactLif.ts).
fn arrival_step(time: f32) -> i32 {
  return i32(ceil(time / params.dt - 1e-6));
}
