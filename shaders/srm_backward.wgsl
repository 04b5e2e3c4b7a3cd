// Needs shaders/surrogates.wgsl prepended (surrogate_df, SURROGATE): WGSL has no includes.
// SRM neurons with SLAYER's kernels, backward pass through time (BPTT), the adjoint of
// shaders/srm_forward.wgsl and exactly the recurrence of SrmLayer.backward
// (src/core/neurons/srm.ts). The forward state is x (exponentially filtered input), y (alpha-
// filtered input), r (filtered own spikes); ax, ay, ar are dL/dx[t+1], dL/dy[t+1], dL/dr[t+1]
// carried backwards (0 after the last step). At each step, from t = STEPS - 1 down to 0:
//   gs    = dL/ds[t] + refDecay * ar              (the second term only when not detached)
//   gu    = dL/du[t] + gs * surrogate'(u[t] - threshold)       (gu = dL/du[t] when non-spiking)
//   ar    = refScale * gu + refDecay * ar         (refScale * gu only when spiking)
//   ax'   = synDecay * (ax + ay);   ay = synScale * gu + synDecay * ay;   ax = ax'
//   dL/dI[t] = ax'                                (I[t] enters x[t] with weight 1)
// One invocation per (b, j), looping over the steps backwards; layouts match src/core: all
// arrays are [b][t][j]. The spike record is not needed here (the binding is unused). An absent
// gradient (HAS_GRAD_* = 0) is zero and its binding unread.

override NEURONS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = non-spiking, 1 = spiking.
override SPIKING: u32 = 1u;
// 1 = the refractory response to the neuron's own spikes is a constant in the backward pass.
override DETACH_RESET: u32 = 1u;
// 1 = dL/ds (grad_spikes) is given, 0 = it is zero.
override HAS_GRAD_SPIKES: u32 = 1u;
// 1 = dL/du (grad_membrane) is given, 0 = it is zero.
override HAS_GRAD_MEMBRANE: u32 = 1u;

struct Params {
  batch: u32,
  threshold: f32,
  // exp(-dt / tau_s) and e * dt / tau_s.
  syn_decay: f32,
  syn_scale: f32,
  // exp(-dt / tau_r) and -refractoryScale * threshold * e.
  ref_decay: f32,
  ref_scale: f32,
  // The surrogate's sharpness; the peak of its derivative is alpha / 2.
  alpha: f32,
}

@group(0) @binding(0) var<storage, read> membrane: array<f32>;
@group(0) @binding(1) var<storage, read> spikes: array<f32>;
@group(0) @binding(2) var<storage, read> grad_spikes: array<f32>;
@group(0) @binding(3) var<storage, read> grad_membrane: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad_current: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// The surrogate's derivative at x = u - threshold, as makeSurrogate(...).df.

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
  let threshold = params.threshold;
  let syn_decay = params.syn_decay;
  let syn_scale = params.syn_scale;
  let ref_decay = params.ref_decay;
  let ref_scale = params.ref_scale;
  let alpha = params.alpha;
  var ax = 0.0;
  var ay = 0.0;
  var ar = 0.0;
  for (var step = 0u; step < STEPS; step++) {
    let t = STEPS - 1u - step;
    let q = (b * STEPS + t) * NEURONS + j;
    var gu = 0.0;
    if (HAS_GRAD_MEMBRANE == 1u) {
      gu = grad_membrane[q];
    }
    if (SPIKING == 1u) {
      // s[t] feeds r[t+1] = refDecay * (r[t] + s[t]).
      var gs = 0.0;
      if (HAS_GRAD_SPIKES == 1u) {
        gs = grad_spikes[q];
      }
      if (DETACH_RESET == 0u) {
        gs += ref_decay * ar;
      }
      gu += gs * surrogate_df(membrane[q] - threshold, alpha);
      // r[t] feeds u[t] and r[t+1].
      ar = ref_scale * gu + ref_decay * ar;
    }
    // y[t] feeds u[t] and y[t+1]; x[t] feeds x[t+1] and y[t+1].
    let ax_t = syn_decay * (ax + ay);
    ay = syn_scale * gu + syn_decay * ay;
    ax = ax_t;
    grad_current[q] = ax_t;
  }
}
