// Delay-layer backward, matching DelayLayer.backward in src/core. Deterministic: every output
// element is written by exactly one invocation that sums in a fixed order (no atomics).
//
//   param_grads: one invocation per synapse (i, j). With G[k] = sum_{b, t} s[b, t, i] g[b, t + k, j]
//     (g = dL/dcurrent), the weight gradient is G contracted with dK/dw of the forward kernel, and
//     the delay gradient is G contracted with dK/dd of the smooth kernel:
//       gauss  dL/dw = sum_k G[k] n(k),  dL/dd = (w / sigma^2) sum_k G[k] n(k) (k - mean)
//       lerp   dL/dw = (1 - f) G[m] + f G[m + 1],  dL/dd = w (G[m + 1] - G[m]),  m = floor(d)
//       round  dL/dw = G[q(d)], no delay gradient (hardware: the delay gradient of gauss or lerp)
//   input_grads: one invocation per (b, t, i): dL/ds[b, t, i] = sum_j sum_k K_ij[k] g[b, t + k, j].
// Layouts as in src/core: spikes [b][t][i], gradCurrent [b][t][j], parameters [i][j].

override INPUTS: u32 = 1u;
override OUTPUTS: u32 = 1u;
override STEPS: u32 = 1u;
override MAX_DELAY: u32 = 1u;
// Forward kernel: 0 = gauss, 1 = lerp, 2 = one tap at floor(d), 3 = one tap at round(d).
override MODE: u32 = 0u;
// Delay gradient: 0 = none, 1 = Gaussian, 2 = lerp.
override DELAY_GRAD: u32 = 0u;
// param_grads walks input i's spike events (built by the host for the first layer, whose input
// is a few percent spikes) instead of every (b, t): the same sums, a fraction of the work. Binding
// 0 then holds the events, not the dense spikes (no more storage buffers than WebGPU's default 8).
override USE_EVENTS: bool = false;
// 1: a compact layer (weights, delays, norms and gradients hold its active synapses only, in the
// by-input order of active_lists); the *_active entry points then index them by list place.
override COMPACT: u32 = 0u;

struct Params {
  batch: u32,
  sigma: f32,
}

// Dense spikes [b][t][i] as f32 bit patterns; with USE_EVENTS, the layer input's events by input
// neuron: [0, INPUTS] event offsets, then each event's row (b * STEPS + t), then its value (f32
// bits). Only param_grads reads it.
@group(0) @binding(0) var<storage, read> layer_input: array<u32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> delays: array<f32>;
@group(0) @binding(3) var<storage, read> grad_current: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_weights: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_delays: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad_input: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;
// [2q] = 1 / z, [2q + 1] = mean tap, from gauss_norms.wgsl this step (Gaussian kernels only).
@group(0) @binding(8) var<storage, read> norms: array<f32>;


fn last_tap() -> f32 {
  return f32(MAX_DELAY - 1u);
}

// G[k] for synapse (i, j): input spikes correlated with dL/dcurrent at lag k.
// Taps one pass over the layer input accumulates (registers per invocation): a window wider
// than this takes several passes.
const TAP_CHUNK: u32 = 32u;

// G[k0 + c] for c < count (count <= TAP_CHUNK) of synapse (i, j), in one pass over input i's
// spikes: each spike is read once for all the chunk's taps (not once per tap).
fn tap_grad_chunk(i: u32, j: u32, k0: u32, count: u32) -> array<f32, TAP_CHUNK> {
  var g: array<f32, TAP_CHUNK>;
  if (USE_EVENTS) {
    let rows = INPUTS + 1u;
    let values = rows + layer_input[INPUTS];
    for (var e = layer_input[i]; e < layer_input[i + 1u]; e++) {
      let r = layer_input[rows + e];
      let t = r % STEPS;
      if (t + k0 < STEPS) {
        let v = bitcast<f32>(layer_input[values + e]);
        let n = min(count, STEPS - t - k0);
        for (var c = 0u; c < n; c++) {
          g[c] += v * grad_current[(r + k0 + c) * OUTPUTS + j];
        }
      }
    }
    return g;
  }
  for (var b = 0u; b < params.batch; b++) {
    for (var t = 0u; t + k0 < STEPS; t++) {
      let r = b * STEPS + t;
      let s = bitcast<f32>(layer_input[r * INPUTS + i]);
      if (s != 0.0) {
        let n = min(count, STEPS - t - k0);
        for (var c = 0u; c < n; c++) {
          g[c] += s * grad_current[(r + k0 + c) * OUTPUTS + j];
        }
      }
    }
  }
  return g;
}

fn quantised(d: f32) -> u32 {
  var q = floor(d);
  if (MODE == 3u) {
    q = round(d);
  }
  return u32(clamp(q, 0.0, last_tap()));
}

// The weight and delay gradients of synapse q (written, not added) whose parameters sit at p
// (q itself, or its compact place).
fn synapse_param_grads(q: u32, p: u32) {
  let i = q / OUTPUTS;
  let j = q % OUTPUTS;
  let w = weights[p];
  let d = delays[p];
  let m = u32(clamp(floor(d), 0.0, last_tap()));
  let f = d - f32(m);
  var gw = 0.0;
  var gd = 0.0;
  if (MODE == 0u || DELAY_GRAD == 1u) {
    let g = gauss_window(d, params.sigma);
    let inv_z = norms[2u * p];
    let mean = norms[2u * p + 1u];
    var sum_gn = 0.0;
    var moment = 0.0;
    var walk = gauss_walk(d, g);
    for (var k0 = g.lo; k0 <= g.hi; k0 += TAP_CHUNK) {
      let count = min(TAP_CHUNK, g.hi + 1u - k0);
      let tg = tap_grad_chunk(i, j, k0, count);
      for (var c = 0u; c < count; c++) {
        let gn = tg[c] * walk.value * inv_z;
        sum_gn += gn;
        moment += gn * f32(k0 + c);
        gauss_next(&walk);
      }
    }
    if (MODE == 0u) {
      gw = sum_gn;
    }
    if (DELAY_GRAD == 1u) {
      gd = w / (params.sigma * params.sigma) * (moment - mean * sum_gn);
    }
  }
  if (MODE == 1u || DELAY_GRAD == 2u) {
    let tg = tap_grad_chunk(i, j, m, min(2u, MAX_DELAY - m));
    let g0 = tg[0];
    let g1 = tg[1];
    if (MODE == 1u) {
      gw = (1.0 - f) * g0 + f * g1;
    }
    if (DELAY_GRAD == 2u) {
      gd = w * (g1 - g0);
    }
  }
  if (MODE >= 2u) {
    gw = tap_grad_chunk(i, j, quantised(d), 1u)[0];
  }
  grad_weights[p] = gw;
  grad_delays[p] = gd;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn param_grads(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let q = linear_index(gid, groups);
  if (q >= INPUTS * OUTPUTS) {
    return;
  }
  synapse_param_grads(q, q);
}

// A masked layer's active synapses (host-built, ActiveSynapses.ts), u32: [0] = K; the lists by
// output neuron (delay_forward.wgsl); by input neuron i: offsets [2 + OUTPUTS + K + i]
// (i = 0..INPUTS), entries (output neurons) from 3 + OUTPUTS + K + INPUTS; then the K active
// synapse indices from 3 + OUTPUTS + INPUTS + 2K. Read by the *_active entry points only.
@group(0) @binding(9) var<storage, read> active_lists: array<u32>;

// param_grads over the K active synapses only (one invocation each); the absent synapses'
// gradients are not written (MaskGradients zeroes them).
@compute @workgroup_size(WORKGROUP_SIZE)
fn param_grads_active(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let a = linear_index(gid, groups);
  let count = active_lists[0];
  if (a >= count) {
    return;
  }
  let q = active_lists[3u + OUTPUTS + INPUTS + 2u * count + a];
  synapse_param_grads(q, select(q, a, COMPACT == 1u));
}

// Synapse (i, j)'s term of dL/ds[b, t, i]: sum_k K_ij[k] g[b, t + k, j] (bt = b * STEPS + t),
// its parameters at q (i * OUTPUTS + j, or its compact place).
fn synapse_input_grad(i: u32, j: u32, q: u32, bt: u32, remaining: u32) -> f32 {
  var acc = 0.0;
  let w = weights[q];
  let d = delays[q];
  let row = bt * OUTPUTS + j;
  if (MODE == 0u) {
    let g = gauss_window(d, params.sigma);
    var walk = gauss_walk(d, g);
    var s = 0.0;
    for (var k = g.lo; k < min(g.hi + 1u, remaining); k++) {
      s += walk.value * grad_current[row + k * OUTPUTS];
      gauss_next(&walk);
    }
    acc += w * s * norms[2u * q];
  } else if (MODE == 1u) {
    let m = u32(clamp(floor(d), 0.0, last_tap()));
    let f = d - f32(m);
    if (m < remaining) {
      acc += w * (1.0 - f) * grad_current[row + m * OUTPUTS];
    }
    if (m + 1u < remaining && m + 1u < MAX_DELAY) {
      acc += w * f * grad_current[row + (m + 1u) * OUTPUTS];
    }
  } else {
    let n = quantised(d);
    if (n < remaining) {
      acc += w * grad_current[row + n * OUTPUTS];
    }
  }
  return acc;
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
  let i = idx % INPUTS;
  let bt = idx / INPUTS;
  let remaining = STEPS - bt % STEPS;
  var acc = 0.0;
  for (var j = 0u; j < OUTPUTS; j++) {
    acc += synapse_input_grad(i, j, i * OUTPUTS + j, bt, remaining);
  }
  grad_input[idx] = acc;
}

// input_grads over input i's active synapses only (ascending outputs, as input_grads adds them).
@compute @workgroup_size(WORKGROUP_SIZE)
fn input_grads_active(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let idx = linear_index(gid, groups);
  if (idx >= params.batch * STEPS * INPUTS) {
    return;
  }
  let i = idx % INPUTS;
  let bt = idx / INPUTS;
  let remaining = STEPS - bt % STEPS;
  let count = active_lists[0];
  let offsets = 2u + OUTPUTS + count;
  let entries = offsets + INPUTS + 1u;
  var acc = 0.0;
  for (var a = active_lists[offsets + i]; a < active_lists[offsets + i + 1u]; a++) {
    let j = active_lists[entries + a];
    acc += synapse_input_grad(i, j, select(i * OUTPUTS + j, a, COMPACT == 1u), bt, remaining);
  }
  grad_input[idx] = acc;
}
