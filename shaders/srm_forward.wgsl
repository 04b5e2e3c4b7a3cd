// SRM neurons with SLAYER's kernels, forward pass over time (src/core/neurons/srm.ts,
// 'heaviside' spike mode), by the same exact recurrences as the CPU engine:
//   y[t] = synDecay * (y[t-1] + x[t-1])            alpha-filtered input
//   x[t] = synDecay * x[t-1] + I[t]                exponentially filtered input
//   r[t] = refDecay * (r[t-1] + s[t-1])            filtered own spikes (REF_ALPHA: the alpha
//          refDecay * (r[t-1] + p[t-1]), p[t] = refDecay * p[t-1] + s[t]: SLAYER's refractory shape)
//   u[t] = synScale * y[t] + refScale * r[t]       (no refractory term when non-spiking)
//   s[t] = H(u[t] - threshold)                     (u >= threshold, as on the CPU; 0 when non-spiking)
// The coefficients come from TS, computed as in SrmLayer's constructor. One invocation per
// (b, j), looping over the steps; layouts match src/core: current, membrane, spikes [b][t][j].

override NEURONS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = non-spiking, 1 = spiking.
override SPIKING: u32 = 1u;
// The refractory response's shape: alpha (SLAYER's) instead of the exponential jump.
override REF_ALPHA: bool = false;

struct Params {
  batch: u32,
  threshold: f32,
  // exp(-dt / tau_s) and e * dt / tau_s.
  syn_decay: f32,
  syn_scale: f32,
  // exp(-dt / tau_r) and -refractoryScale * threshold * e (times dt / tau_r for the alpha shape).
  ref_decay: f32,
  ref_scale: f32,
}

@group(0) @binding(0) var<storage, read> current: array<f32>;
@group(0) @binding(1) var<storage, read_write> membrane: array<f32>;
@group(0) @binding(2) var<storage, read_write> spikes: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

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
  let syn_decay = params.syn_decay;
  let syn_scale = params.syn_scale;
  let ref_decay = params.ref_decay;
  let ref_scale = params.ref_scale;
  let threshold = params.threshold;
  var x = 0.0;
  var y = 0.0;
  var r = 0.0;
  var p = 0.0;
  var last_spike = 0.0;
  for (var t = 0u; t < STEPS; t++) {
    let q = (b * STEPS + t) * NEURONS + j;
    y = syn_decay * (y + x);
    x = syn_decay * x + current[q];
    if (REF_ALPHA) {
      r = ref_decay * (r + p);
    } else {
      r = ref_decay * (r + last_spike);
    }
    var u = syn_scale * y;
    if (SPIKING == 1u) {
      u += ref_scale * r;
    }
    membrane[q] = u;
    var s = 0.0;
    if (SPIKING == 1u) {
      s = select(0.0, 1.0, u >= threshold);
    }
    spikes[q] = s;
    last_spike = s;
    p = ref_decay * p + s;
  }
}
