// Needs shaders/surrogates.wgsl prepended (surrogate_df, SURROGATE): WGSL has no includes.
// LIF neurons, backward pass through time (BPTT), the adjoint of shaders/lif_forward.wgsl and
// exactly the recurrence of LifLayer.backward (src/core/neurons/lif.ts). With the forward record
// (membrane u[t] before the test, spikes s[t]) and the incoming gradients dL/ds[t], dL/du[t]:
//   gv    = dL/dv[t], carried from step t + 1 (0 after the last step)
//   ds    = surrogate'(u[t] - threshold)
//   dv/du = 1 - s[t]  (hard)   or   1  (soft)                      detached reset
//   dv/du = 1 - s[t] - u[t] * ds  (hard)   or   1 - threshold * ds  (soft)   not detached
//   gu    = dL/du[t] + dL/ds[t] * ds + gv * dv/du       (spiking)
//   gu    = dL/du[t] + gv                                (non-spiking readout: v = u, no spikes)
//   dL/dI[t] = beta * gu,   dL/dv[t-1] = (1 - beta) * gu
// One invocation per (b, j), looping t from STEPS - 1 down to 0; neighbouring invocations read
// neighbouring neurons, so every step's loads and stores are contiguous. Layouts match src/core:
// all arrays are [b][t][j]. An absent gradient (HAS_GRAD_* = 0) is zero and its binding unread.

override NEURONS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = non-spiking readout, 1 = spiking.
override SPIKING: u32 = 1u;
// 1 = hard reset (v <- 0 after a spike), 0 = soft reset (v <- v - threshold).
override HARD_RESET: u32 = 1u;
// 1 = the reset is a constant in the backward pass, 0 = differentiate through it.
override DETACH_RESET: u32 = 1u;
// 1 = dL/ds (grad_spikes) is given, 0 = it is zero.
override HAS_GRAD_SPIKES: u32 = 1u;
// 1 = dL/du (grad_membrane) is given, 0 = it is zero.
override HAS_GRAD_MEMBRANE: u32 = 1u;

struct Params {
  batch: u32,
  // dt / tau and 1 - dt / tau (the latter rounded once from f64).
  beta: f32,
  decay: f32,
  threshold: f32,
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
  let beta = params.beta;
  let decay = params.decay;
  let threshold = params.threshold;
  let alpha = params.alpha;
  // dL/dv[t], carried from step t + 1.
  var gv = 0.0;
  for (var step = 0u; step < STEPS; step++) {
    let t = STEPS - 1u - step;
    let q = (b * STEPS + t) * NEURONS + j;
    var gu = 0.0;
    if (HAS_GRAD_MEMBRANE == 1u) {
      gu = grad_membrane[q];
    }
    if (SPIKING == 0u) {
      gu += gv;
    } else {
      let u = membrane[q];
      let s = spikes[q];
      let ds = surrogate_df(u - threshold, alpha);
      if (HAS_GRAD_SPIKES == 1u) {
        gu += grad_spikes[q] * ds;
      }
      var dvdu = 1.0;
      if (HARD_RESET == 1u) {
        dvdu = 1.0 - s;
      }
      if (DETACH_RESET == 0u) {
        if (HARD_RESET == 1u) {
          dvdu -= u * ds;
        } else {
          dvdu -= threshold * ds;
        }
      }
      gu += gv * dvdu;
    }
    grad_current[q] = beta * gu;
    gv = decay * gu;
  }
}
