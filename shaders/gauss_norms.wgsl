// Once per synapse per step, before the delay layer's forward and backward passes: the
// Gaussian kernel's normalisation 1 / z and mean tap sum_k k n(k) (the delay gradient needs
// it: dn(k)/dd = n(k) (k - mean) / sigma^2), over the truncated window of gauss.wgsl. Every
// (b, t) invocation of the other passes then reads two floats instead of summing Td exps.
// Layout: norms[2q] = 1 / z, norms[2q + 1] = mean, q = i * OUTPUTS + j (as the delays).

override SYNAPSES: u32 = 1u;
override MAX_DELAY: u32 = 1u;

struct NormParams {
  sigma: f32,
}

@group(0) @binding(0) var<storage, read> delays: array<f32>;
@group(0) @binding(1) var<storage, read_write> norms: array<f32>;
@group(0) @binding(2) var<uniform> params: NormParams;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let q = linear_index(gid, groups);
  if (q >= SYNAPSES) {
    return;
  }
  let d = delays[q];
  let w = gauss_window(d, params.sigma);
  var z = 0.0;
  var moment = 0.0;
  for (var k = w.lo; k <= w.hi; k++) {
    let g = gauss_raw(k, d, w);
    z += g;
    moment += g * f32(k);
  }
  norms[2u * q] = 1.0 / z;
  norms[2u * q + 1u] = moment / z;
}
