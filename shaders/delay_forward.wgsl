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
    let q = i * OUTPUTS + j;
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
      acc += w * s * norms[2u * q];
    } else if (MODE == 1u) {
      let n = u32(clamp(floor(d), 0.0, f32(MAX_DELAY - 1u)));
      let f = d - f32(n);
      if (n <= t) {
        acc += w * (1.0 - f) * spike_at(b, t - n, i);
      }
      if (n + 1u < MAX_DELAY && n + 1u <= t) {
        acc += w * f * spike_at(b, t - n - 1u, i);
      }
    } else {
      var q = floor(d);
      if (MODE == 3u) {
        q = round(d);
      }
      let n = u32(clamp(q, 0.0, f32(MAX_DELAY - 1u)));
      if (n <= t) {
        acc += w * spike_at(b, t - n, i);
      }
    }
  }
  current[idx] = acc;
}
