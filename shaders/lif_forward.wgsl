// LIF neurons, forward pass over time (src/core/neurons/lif.ts, 'heaviside' spike mode):
//   u[t] = v[t-1] + beta * (I[t] - v[t-1])         beta = dt / tau; membrane before the test
//   s[t] = H(u[t] - threshold)                     (u >= threshold, as on the CPU)
//   v[t] = u[t] * (1 - s[t])  (hard)   or   u[t] - threshold * s[t]  (soft)
// Non-spiking (readout): v[t] = u[t], s[t] = 0. The recurrence is sequential in t, so there is
// one invocation per (b, j), looping over the steps; neighbouring invocations read neighbouring
// neurons, so every step's loads and stores are contiguous. Layouts match src/core: current,
// membrane and spikes are [b][t][j].

override NEURONS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = non-spiking readout, 1 = spiking.
override SPIKING: u32 = 1u;
// 1 = hard reset (v <- 0 after a spike), 0 = soft reset (v <- v - threshold).
override HARD_RESET: u32 = 1u;

struct Params {
  batch: u32,
  // dt / tau.
  beta: f32,
  threshold: f32,
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
  let beta = params.beta;
  let threshold = params.threshold;
  var v = 0.0;
  for (var t = 0u; t < STEPS; t++) {
    let q = (b * STEPS + t) * NEURONS + j;
    let u = v + beta * (current[q] - v);
    membrane[q] = u;
    if (SPIKING == 0u) {
      v = u;
      spikes[q] = 0.0;
    } else {
      let s = select(0.0, 1.0, u >= threshold);
      spikes[q] = s;
      if (HARD_RESET == 1u) {
        v = u * (1.0 - s);
      } else {
        v = u - threshold * s;
      }
    }
  }
}
