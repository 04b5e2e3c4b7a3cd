// Prepended to every compute shader by src/gpu/pipelineCache.ts (WGSL has no include).
// A kernel's 1-D index space is dispatched as a 2-D (or 3-D) grid of workgroups, because one
// grid dimension holds at most maxComputeWorkgroupsPerDimension workgroups (65,535 by default):
// a 1-D dispatch of ceil(n / 64) workgroups fails for any n above 4,194,240. src/gpu/grid.ts
// chooses the grid; the invocations past n that it rounds up to return at each kernel's bounds check.

// Invocations per workgroup; set per kernel by its TypeScript class (the same number sizes the grid).
override WORKGROUP_SIZE: u32 = 64u;

// The invocation's position in the kernel's 1-D index space: x fastest, then y, then z.
fn linear_index(gid: vec3u, groups: vec3u) -> u32 {
  return gid.x + (gid.y + gid.z * groups.y) * groups.x * WORKGROUP_SIZE;
}
