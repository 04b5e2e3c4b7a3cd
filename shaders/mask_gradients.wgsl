// Connectivity mask of a sparse layer (connectivity below 1): the weight and delay gradients of
// the synapses that do not exist are set to 0 after the backward pass, as DelayLayer.backward
// does in src/core. Under a fixed mask their weights start at 0 and Adam, fed zero gradients
// from zero moments, leaves them exactly there. A rewired layer whose regrowth ranks dormant
// synapses by their gradient (RigL) keeps their weight gradients (KEEP_WEIGHT_GRADS); the host's
// rewiring step then holds their weights at 0. One invocation per synapse.

override COUNT: u32 = 1u;
override KEEP_WEIGHT_GRADS: bool = false;

// 1 for an existing synapse, 0 for an absent one; [inputs][outputs] as the parameters.
@group(0) @binding(0) var<storage, read> mask: array<u32>;
@group(0) @binding(1) var<storage, read_write> grad_weights: array<f32>;
@group(0) @binding(2) var<storage, read_write> grad_delays: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let q = linear_index(gid, groups);
  if (q >= COUNT || mask[q] != 0u) {
    return;
  }
  if (!KEEP_WEIGHT_GRADS) {
    grad_weights[q] = 0.0;
  }
  grad_delays[q] = 0.0;
}
