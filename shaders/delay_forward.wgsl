// Delay-layer forward: current[b, t, j] = sum_i sum_k K_ij[k] * spikes[b, t - k, i], with the
// taps K computed from (weight, delay, sigma) here, never stored as an [N_out][N_in][Td] tensor.
// One invocation per (b, t, j); a first, gather-everything version that is the GPU oracle for
// the CPU engine's semantics. Layouts match src/core: spikes [b][t][i], current [b][t][j],
// weights and delays [i][j] (input-major).

// The overrides (INPUTS, OUTPUTS, STEPS, MAX_DELAY, MODE) and Params come from
// delay_forward_prelude.wgsl, prepended by the TypeScript class.

@group(0) @binding(0) var<storage, read> spikes: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> delays: array<f32>;
@group(0) @binding(3) var<storage, read_write> current: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
// [2q] = 1 / z, [2q + 1] = mean tap, from gauss_norms.wgsl this step (MODE 0 only).
@group(0) @binding(5) var<storage, read> norms: array<f32>;

fn spike_at(b: u32, t: u32, i: u32) -> f32 {
  return spikes[(b * STEPS + t) * INPUTS + i];
}

// A masked layer's active synapses (host-built, ActiveSynapses.ts), u32: [0] = K, then by output
// neuron j: offsets [1 + j] (j = 0..OUTPUTS), entries (input neurons) from 2 + OUTPUTS; then the
// lists by input neuron and the active synapse indices (read by delay_backward.wgsl). Only
// main_active reads it.
@group(0) @binding(6) var<storage, read> active_lists: array<u32>;

// Synapse (i, j)'s contribution to current[b, t, j]: sum_k K_ij[k] spikes[b, t - k, i], its
// parameters at q (i * OUTPUTS + j, or its compact place).
fn synapse_current(b: u32, t: u32, i: u32, j: u32, q: u32, last_tap: u32) -> f32 {
  let w = weights[q];
  let d = delays[q];
  if (MODE == 0u) {
    let g = gauss_window(d, params.sigma);
    var walk = gauss_walk(d, g);
    var s = 0.0;
    for (var k = g.lo; k <= min(g.hi, last_tap); k++) {
      let v = spike_at(b, t - k, i);
      if (v != 0.0) {
        s += v * walk.value;
      }
      gauss_next(&walk);
    }
    return w * s * norms[2u * q];
  }
  if (MODE == 1u) {
    let n = u32(clamp(floor(d), 0.0, f32(MAX_DELAY - 1u)));
    let f = d - f32(n);
    var acc = 0.0;
    if (n <= t) {
      acc += w * (1.0 - f) * spike_at(b, t - n, i);
    }
    if (n + 1u < MAX_DELAY && n + 1u <= t) {
      acc += w * f * spike_at(b, t - n - 1u, i);
    }
    return acc;
  }
  var q_steps = floor(d);
  if (MODE == 3u) {
    q_steps = round(d);
  }
  let n = u32(clamp(q_steps, 0.0, f32(MAX_DELAY - 1u)));
  if (n <= t) {
    return w * spike_at(b, t - n, i);
  }
  return 0.0;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= params.batch * STEPS * OUTPUTS) {
    return;
  }
  let j = idx % OUTPUTS;
  let bt = idx / OUTPUTS;
  let t = bt % STEPS;
  let b = bt / STEPS;
  let last_tap = min(MAX_DELAY - 1u, t);
  var acc = 0.0;
  for (var i = 0u; i < INPUTS; i++) {
    acc += synapse_current(b, t, i, j, i * OUTPUTS + j, last_tap);
  }
  current[idx] = acc;
}

// The same sum over output j's active synapses only (ascending inputs, as main adds them): work
// in proportion to the synapses that exist.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_active(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= params.batch * STEPS * OUTPUTS) {
    return;
  }
  let j = idx % OUTPUTS;
  let bt = idx / OUTPUTS;
  let t = bt % STEPS;
  let b = bt / STEPS;
  let last_tap = min(MAX_DELAY - 1u, t);
  let entries = 2u + OUTPUTS;
  // Each entry's place in the by-input lists: its parameters' index in a compact layer.
  let places = 3u + OUTPUTS + INPUTS + 3u * active_lists[0];
  var acc = 0.0;
  for (var a = active_lists[1u + j]; a < active_lists[2u + j]; a++) {
    let i = active_lists[entries + a];
    acc += synapse_current(b, t, i, j, select(i * OUTPUTS + j, active_lists[places + a], COMPACT == 1u), last_tap);
  }
  current[idx] = acc;
}
