// Connectivity mask of a layer with a fixed random structure (connectivity below 1): the weight
// and delay gradients of the synapses that do not exist are set to 0 after the backward pass,
// as DelayLayer.backward does in src/core. Their weights start at 0 and Adam, fed zero
// gradients from zero moments, leaves them exactly there. One invocation per synapse.

override COUNT: u32 = 1u;

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
  grad_weights[q] = 0.0;
  grad_delays[q] = 0.0;
}
