// EventProp's time-stepped forward pass of one layer (src/core/eventprop/steppedLif.ts): LIF
// neurons with an exponential synaptic current,
//   tau_mem dV/dt = -V + I,   tau_syn dI/dt = -I,
// advanced by the exact solution over each step of dt ms. A presynaptic spike of i at time t
// (ms) reaches j at t + d_ij, delivered at the first step boundary at or after it; a neuron whose
// V ends a step at or above the threshold spikes at the time interpolated linearly inside the
// step and is reset to 0 at the step's end. A readout (OUTPUT 1 or 2) never spikes and reports
// the integral of V over the trial, or its highest V and when.
//
// Spikes are dense per step: in_times / out_times[b][step][neuron] hold the spike's time (ms)
// inside that step, or -1 for none (the stepped model spikes at most once per step). One
// invocation per (b, j): it first sums the jumps its arrivals deliver at each step into its own
// column of `arrive` (no other invocation writes there), then runs the neuron over the steps.

@group(0) @binding(1) var<storage, read> in_times: array<f32>;
// [i][j]: the current jump of j per spike of i, and the delay (ms).
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> delays: array<f32>;
// [b][step][j]: summed jumps arriving at the start of each step (scratch).
@group(0) @binding(4) var<storage, read_write> arrive: array<f32>;
@group(0) @binding(5) var<storage, read_write> out_times: array<f32>;
// [b][step][j]: I at the spike of that step (the backward pass's jump needs it).
@group(0) @binding(6) var<storage, read_write> out_currents: array<f32>;
// [b][j][3]: OUTPUT 1: integral (ms x V); OUTPUT 2: max V, its step, its offset in the step (ms).
@group(0) @binding(7) var<storage, read_write> readout: array<f32>;

// V `s` ms after a point where it was v0 with current i0.
fn membrane_at(v0: f32, i0: f32, s: f32) -> f32 {
  let a = i0 * params.tau_syn / (params.tau_syn - params.tau_mem);
  return (v0 - a) * exp(-s / params.tau_mem) + a * exp(-s / params.tau_syn);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= params.batch * NEURONS) {
    return;
  }
  let j = idx % NEURONS;
  let b = idx / NEURONS;
  let dt = params.dt;
  for (var n = 0u; n < STEPS; n++) {
    arrive[(b * STEPS + n) * NEURONS + j] = 0.0;
  }
  for (var m = 0u; m < STEPS; m++) {
    for (var i = 0u; i < INPUTS; i++) {
      let t = in_times[(b * STEPS + m) * INPUTS + i];
      if (t < 0.0) {
        continue;
      }
      let n = arrival_step(t + delays[i * NEURONS + j]);
      if (n >= 0 && u32(n) < STEPS) {
        let q = (b * STEPS + u32(n)) * NEURONS + j;
        arrive[q] = arrive[q] + weights[i * NEURONS + j];
      }
    }
  }
  let decay = exp(-dt / params.tau_syn);
  let theta = params.threshold;
  var v = 0.0;
  var current = 0.0;
  var integral = 0.0;
  var best = 0.0;
  var best_step = 0.0;
  var best_offset = 0.0;
  for (var n = 0u; n < STEPS; n++) {
    let q = (b * STEPS + n) * NEURONS + j;
    current = current + arrive[q];
    let next = membrane_at(v, current, dt);
    if (OUTPUT == 0u) {
      if (next >= theta && v < theta) {
        let fraction = (theta - v) / (next - v);
        out_times[q] = f32(n) * dt + fraction * dt;
        out_currents[q] = current * exp(-fraction * dt / params.tau_syn);
        v = 0.0;
      } else {
        out_times[q] = -1.0;
        out_currents[q] = 0.0;
        v = next;
      }
    } else {
      out_times[q] = -1.0;
      out_currents[q] = 0.0;
      let a = current * params.tau_syn / (params.tau_syn - params.tau_mem);
      if (OUTPUT == 1u) {
        integral = integral + (v - a) * params.tau_mem * (1.0 - exp(-dt / params.tau_mem)) +
          a * params.tau_syn * (1.0 - decay);
      } else {
        // An interior extremum of V inside the step, then the step's end.
        let ratio = (a - v) / params.tau_mem / (a / params.tau_syn);
        if (a != 0.0 && ratio > 0.0) {
          let s = log(ratio) / (1.0 / params.tau_mem - 1.0 / params.tau_syn);
          if (s > 0.0 && s < dt) {
            let peak = membrane_at(v, current, s);
            if (peak > best) {
              best = peak;
              best_step = f32(n);
              best_offset = s;
            }
          }
        }
        if (next > best) {
          best = next;
          best_step = f32(n + 1u);
          best_offset = 0.0;
        }
      }
      v = next;
    }
    current = current * decay;
  }
  let r = (b * NEURONS + j) * 3u;
  if (OUTPUT == 1u) {
    readout[r] = integral;
  } else if (OUTPUT == 2u) {
    readout[r] = best;
    readout[r + 1u] = best_step;
    readout[r + 2u] = best_offset;
  }
}
