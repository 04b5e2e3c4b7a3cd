// Sparse-gather delay-layer forward for layers whose input comes from the host as spike events
// (the first layer: binned recordings, encoded images). Same sum as delay_forward.wgsl,
//   current[b, t, j] = sum over events (i, v) at step t - k, 0 <= k <= min(Td - 1, t), of v * K_ij[k],
// but it visits only the inputs that spiked: events of (b, s) are event_input/event_value
// [event_start[b * STEPS + s] .. event_start[b * STEPS + s + 1]). With a few percent of inputs
// active per step (SHD, thresholded digits) that is a few percent of the dense loop's work.
// Layouts: current [b][t][j], weights and delays [i][j] (input-major), as src/core.

// The overrides (INPUTS, OUTPUTS, STEPS, MAX_DELAY, MODE) and Params come from
// delay_forward_prelude.wgsl, prepended by the TypeScript class.

@group(0) @binding(0) var<storage, read> event_start: array<u32>;
@group(0) @binding(1) var<storage, read> event_input: array<u32>;
@group(0) @binding(2) var<storage, read> event_value: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> delays: array<f32>;
@group(0) @binding(5) var<storage, read_write> current: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;
// [2q] = 1 / z, [2q + 1] = mean tap, from gauss_norms.wgsl this step (MODE 0 only).
@group(0) @binding(7) var<storage, read> norms: array<f32>;

// Tap k of synapse q without its weight: the dense shader's kernel, term by term.
fn tap(k: u32, q: u32) -> f32 {
  let d = delays[q];
  if (MODE == 0u) {
    let g = gauss_window(d, params.sigma);
    if (k < g.lo || k > g.hi) {
      return 0.0;
    }
    return gauss_raw(k, d, g) * norms[2u * q];
  }
  if (MODE == 1u) {
    let n = u32(clamp(floor(d), 0.0, f32(MAX_DELAY - 1u)));
    let f = d - f32(n);
    var v = 0.0;
    if (k == n) {
      v += 1.0 - f;
    }
    if (k == n + 1u && n + 1u < MAX_DELAY) {
      v += f;
    }
    return v;
  }
  var steps = floor(d);
  if (MODE == 3u) {
    steps = round(d);
  }
  let n = u32(clamp(steps, 0.0, f32(MAX_DELAY - 1u)));
  return select(0.0, 1.0, k == n);
}

// Event e's term at tap k through the synapse whose parameters sit at q: nothing for an absent
// synapse (weight 0), whose kernel is not evaluated.
fn event_term(e: u32, k: u32, q: u32) -> f32 {
  let w = weights[q];
  if (w == 0.0) {
    return 0.0;
  }
  return event_value[e] * w * tap(k, q);
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
  for (var k = 0u; k <= last_tap; k++) {
    let row = b * STEPS + t - k;
    for (var e = event_start[row]; e < event_start[row + 1u]; e++) {
      acc += event_term(e, k, event_input[e] * OUTPUTS + j);
    }
  }
  current[idx] = acc;
}

// A compact layer's active synapses (ActiveSynapses.ts): only main_compact reads them.
@group(0) @binding(8) var<storage, read> active_lists: array<u32>;

// The compact place of synapse (i, j): a binary search of input i's outputs (ascending in the
// by-input lists), or -1 when the layer has no such synapse.
fn compact_place(i: u32, j: u32) -> i32 {
  let count = active_lists[0];
  let offsets = 2u + OUTPUTS + count;
  let entries = offsets + INPUTS + 1u;
  var lo = active_lists[offsets + i];
  let end = active_lists[offsets + i + 1u];
  var hi = end;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (active_lists[entries + mid] < j) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  if (lo < end && active_lists[entries + lo] == j) {
    return i32(lo);
  }
  return -1;
}

// main for a compact layer: the same events, terms and order, each synapse's parameters found
// by compact_place (absent synapses add nothing, as their weight 0 does in main).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_compact(
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
  for (var k = 0u; k <= last_tap; k++) {
    let row = b * STEPS + t - k;
    for (var e = event_start[row]; e < event_start[row + 1u]; e++) {
      let place = compact_place(event_input[e], j);
      if (place >= 0) {
        acc += event_term(e, k, u32(place));
      }
    }
  }
  current[idx] = acc;
}
