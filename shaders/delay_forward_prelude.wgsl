// Shared by delay_forward.wgsl and delay_forward_sparse.wgsl: the TypeScript side prepends it,
// after gauss.wgsl (WGSL has no include). Shape and kernel mode are pipeline-overridable constants.

override INPUTS: u32 = 1u;
override OUTPUTS: u32 = 1u;
override STEPS: u32 = 1u;
override MAX_DELAY: u32 = 1u;
// 0 = gauss, 1 = lerp, 2 = one tap at floor(d), 3 = one tap at round(d) (round and hardware).
override MODE: u32 = 0u;
// 1: a compact layer (weights, delays and norms hold its active synapses only, in the by-input
// order of the active lists); only the entry points over those lists run.
override COMPACT: u32 = 0u;

struct Params {
  batch: u32,
  // Standard deviation of the Gaussian kernel (time steps).
  sigma: f32,
}
