// EventProp's backward pass of one layer on the time-stepped forward pass (eventprop_forward.wgsl;
// CPU reference: src/core/eventprop/adjoint.ts on the events of steppedLif.ts). Three entry
// points, run in this order:
//
// adjoint: one invocation per (b, j) integrates lambda_V = dL/dV and lambda_I = dL/dI backwards
//   over the steps in closed form,
//     d(lambda_V)/d(tau) = -lambda_V / tau_mem + forcing,
//     d(lambda_I)/d(tau) = -lambda_I / tau_syn + lambda_V / tau_mem   (tau: backward time),
//   with the jump at each own spike (lambda_V <- (V'+ / V'-) lambda_V - (dL/dt_k) / V'-, with
//   V'- = (I - threshold) / tau_mem, V'+ = I / tau_mem), a readout's constant forcing (the
//   integral loss) or its jump at the maximum (the max loss), and stores both adjoints at every
//   step boundary, where arrivals land.
// weight_grads: one invocation per synapse (i, j): over the batch and the spikes of i,
//   dL/dw_ij += lambda_I,j and dL/dd_ij += w_ij (lambda_I / tau_syn - lambda_V / tau_mem)_j, both
//   at the spike's arrival step (sums over the batch; the delay gradient per ms).
// input_grads: one invocation per (b, step, i) holding a spike: dL/dt of that spike, the sum of
//   the delay-gradient terms of its arrivals (the previous layer's spike-time gradients).

// [b][step][i]: the layer's input spike times (ms), -1 for none.
@group(0) @binding(1) var<storage, read> in_times: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read> delays: array<f32>;
// [b][step][j]: this layer's spike times, the current at each, and dL/dt of each (from the loss
// or the next layer's input_grads).
@group(0) @binding(4) var<storage, read> out_times: array<f32>;
@group(0) @binding(5) var<storage, read> out_currents: array<f32>;
@group(0) @binding(6) var<storage, read> time_grads: array<f32>;
// [b][j][3]: the forward's readout values; [b][j]: dL/d(integral) or dL/d(max) of each readout.
@group(0) @binding(7) var<storage, read> readout: array<f32>;
@group(0) @binding(8) var<storage, read> readout_grads: array<f32>;
// [b][step][j][2]: (lambda_V, lambda_I) at the start of each step.
@group(0) @binding(9) var<storage, read_write> lambdas: array<f32>;
// [i][j] (weight_grads), [b][step][i] (input_grads).
@group(0) @binding(10) var<storage, read_write> grad_weights: array<f32>;
@group(0) @binding(11) var<storage, read_write> grad_delays: array<f32>;
@group(0) @binding(12) var<storage, read_write> in_time_grads: array<f32>;

var<private> lambda_v: f32;
var<private> lambda_i: f32;

// lambda_V and lambda_I `s` ms earlier (no own spike in between), under a constant forcing.
fn back(s: f32, forcing: f32) {
  let a = forcing * params.tau_mem;
  let b = lambda_v - a;
  let k = a * params.tau_syn / params.tau_mem;
  let c = b * params.tau_syn / (params.tau_mem - params.tau_syn);
  let e_mem = exp(-s / params.tau_mem);
  lambda_v = a + b * e_mem;
  lambda_i = k + c * e_mem + (lambda_i - k - c) * exp(-s / params.tau_syn);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn adjoint(
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
  let r = b * NEURONS + j;
  var forcing = 0.0;
  if (OUTPUT == 1u) {
    forcing = readout_grads[r];
  }
  // The readout maximum's step and offset; a maximum at the trial's end acts from the start.
  var peak_step = STEPS + 1u;
  var peak_offset = 0.0;
  lambda_v = 0.0;
  lambda_i = 0.0;
  if (OUTPUT == 2u) {
    peak_step = u32(readout[r * 3u + 1u]);
    peak_offset = readout[r * 3u + 2u];
    if (peak_step >= STEPS) {
      lambda_v = readout_grads[r];
    }
  }
  for (var step = 0u; step < STEPS; step++) {
    let n = STEPS - 1u - step;
    let q = (b * STEPS + n) * NEURONS + j;
    let start = f32(n) * dt;
    let spike = out_times[q];
    // A readout's peak exactly at the step's start waits until that step's arrivals are stored.
    var peak_at_start = false;
    if (OUTPUT == 0u && spike >= 0.0) {
      let offset = spike - start;
      back(dt - offset, 0.0);
      let current = out_currents[q];
      let before = (current - params.threshold) / params.tau_mem;
      let after = current / params.tau_mem;
      lambda_v = (after / before) * lambda_v - time_grads[q] / before;
      back(offset, 0.0);
    } else if (OUTPUT == 2u && peak_step == n) {
      back(dt - peak_offset, 0.0);
      if (peak_offset > 0.0) {
        lambda_v = lambda_v + readout_grads[r];
        back(peak_offset, 0.0);
      } else {
        peak_at_start = true;
      }
    } else {
      back(dt, forcing);
    }
    lambdas[q * 2u] = lambda_v;
    lambdas[q * 2u + 1u] = lambda_i;
    if (peak_at_start) {
      lambda_v = lambda_v + readout_grads[r];
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn weight_grads(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= INPUTS * NEURONS) {
    return;
  }
  let j = idx % NEURONS;
  let i = idx / NEURONS;
  let w = weights[idx];
  let d = delays[idx];
  var gw = 0.0;
  var gd = 0.0;
  for (var b = 0u; b < params.batch; b++) {
    for (var m = 0u; m < STEPS; m++) {
      let t = in_times[(b * STEPS + m) * INPUTS + i];
      if (t < 0.0) {
        continue;
      }
      let n = arrival_step(t + d);
      if (n < 0 || u32(n) >= STEPS) {
        continue;
      }
      let q = ((b * STEPS + u32(n)) * NEURONS + j) * 2u;
      let lv = lambdas[q];
      let li = lambdas[q + 1u];
      gw = gw + li;
      gd = gd + w * (li / params.tau_syn - lv / params.tau_mem);
    }
  }
  grad_weights[idx] = gw;
  grad_delays[idx] = gd;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn input_grads(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= params.batch * STEPS * INPUTS) {
    return;
  }
  let t = in_times[idx];
  if (t < 0.0) {
    in_time_grads[idx] = 0.0;
    return;
  }
  let i = idx % INPUTS;
  let b = idx / (STEPS * INPUTS);
  var g = 0.0;
  for (var j = 0u; j < NEURONS; j++) {
    let n = arrival_step(t + delays[i * NEURONS + j]);
    if (n < 0 || u32(n) >= STEPS) {
      continue;
    }
    let q = ((b * STEPS + u32(n)) * NEURONS + j) * 2u;
    g = g + weights[i * NEURONS + j] * (lambdas[q + 1u] / params.tau_syn - lambdas[q] / params.tau_mem);
  }
  in_time_grads[idx] = g;
}
