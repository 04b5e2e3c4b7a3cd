// Adam (with bias correction) on one parameter tensor, one invocation per element, followed by
// the delay clamp to [DELAY_MIN, DELAY_MAX] (delayRange in src/core) when CLAMP_DELAYS is set. Weight and delay groups are
// separate dispatches with their own learning rate. Matches src/core/train/adam.ts.

override CLAMP_DELAYS: bool = false;
// AMSGrad (PyTorch's amsgrad=True): divide by the largest second moment seen so far, kept in
// moment2_max (uncorrected, as PyTorch keeps it). Off, moment2_max is a placeholder never touched.
override AMSGRAD: bool = false;
override DELAY_MIN: f32 = 0.0;
override DELAY_MAX: f32 = 0.0;

struct Step {
  count: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  epsilon: f32,
  // 1 / (1 - beta1^step) and 1 / (1 - beta2^step), computed on the host in float64.
  correction1: f32,
  correction2: f32,
}

@group(0) @binding(0) var<storage, read_write> params: array<f32>;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(3) var<storage, read_write> moment2: array<f32>;
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(6) var<storage, read_write> moment2_max: array<f32>;

// Parameter q with its moments at entry k.
fn update(q: u32, k: u32) {
  let g = grads[q];
  let m = step.beta1 * moment1[k] + (1.0 - step.beta1) * g;
  let v = step.beta2 * moment2[k] + (1.0 - step.beta2) * g * g;
  moment1[k] = m;
  moment2[k] = v;
  var v_used = v;
  if (AMSGRAD) {
    v_used = max(moment2_max[k], v);
    moment2_max[k] = v_used;
  }
  var p = params[q] - step.lr * m * step.correction1 / (sqrt(v_used * step.correction2) + step.epsilon);
  if (CLAMP_DELAYS) {
    p = clamp(p, DELAY_MIN, DELAY_MAX);
  }
  params[q] = p;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let q = linear_index(gid, groups);
  if (q >= step.count) {
    return;
  }
  update(q, q);
}

// A fixed-mask layer's existing synapses (ascending parameter indices): moments kept for those
// only, entry k for parameter indices[k]; step.count is their number. Absent synapses never get
// a gradient, so leaving them out is the same optimiser (src/core/train/adam.ts).
@group(0) @binding(5) var<storage, read> indices: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main_indexed(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let k = linear_index(gid, groups);
  if (k >= step.count) {
    return;
  }
  update(indices[k], k);
}
