/**
 * How a kernel's 1-D index space of `invocations` maps onto a grid of workgroups. One grid
 * dimension holds at most `maxComputeWorkgroupsPerDimension` workgroups (65,535 on most
 * adapters), so a 1-D dispatch of ceil(n / 64) workgroups fails for n above 4,194,240: a
 * `shd` layer at batch 256 already has more. The grid fills x up to the limit, then y, then z;
 * shaders/grid.wgsl turns (global id, grid) back into the linear index, and every kernel returns
 * early past `invocations`.
 */
import { kernelTimer } from './kernelTimer.ts';

export const DEFAULT_WORKGROUP_SIZE = 64;

export interface WorkgroupGrid {
  x: number;
  y: number;
  z: number;
}

/** Largest index space the shaders' u32 linear index can address. */
const MAX_INVOCATIONS = 2 ** 32 - 1;

/**
 * The smallest near-square grid of workgroups covering `invocations`: x is the workgroup count
 * itself up to `maxPerDimension`, then y and z grow. Wasted invocations stay below one row of x.
 */
export function workgroupGrid(
  invocations: number,
  workgroupSize: number,
  maxPerDimension: number,
): WorkgroupGrid {
  if (!Number.isInteger(invocations) || invocations < 0) {
    throw new RangeError(`a kernel needs a whole number of invocations, not ${invocations}`);
  }
  if (invocations > MAX_INVOCATIONS) {
    throw new RangeError(
      `${invocations} invocations exceed the 2^32 - 1 a kernel's u32 index can address; use a smaller batch`,
    );
  }
  const groups = Math.ceil(invocations / workgroupSize);
  if (groups <= maxPerDimension) return { x: Math.max(groups, 1), y: 1, z: 1 };
  const x = maxPerDimension;
  const rows = Math.ceil(groups / x);
  if (rows <= maxPerDimension) return { x, y: rows, z: 1 };
  const y = maxPerDimension;
  const z = Math.ceil(rows / y);
  if (z > maxPerDimension) {
    throw new RangeError(`${groups} workgroups exceed a ${maxPerDimension}^3 grid`);
  }
  return { x, y, z };
}

/**
 * Per-device cap below the adapter's limit, so tests can drive the 2-D and 3-D paths at small
 * shapes (the index arithmetic is the same as at 65,535).
 */
const dimensionCaps = new WeakMap<GPUDevice, number>();

export function capWorkgroupsPerDimension(device: GPUDevice, cap: number | null): void {
  if (cap === null) dimensionCaps.delete(device);
  else dimensionCaps.set(device, Math.min(cap, device.limits.maxComputeWorkgroupsPerDimension));
}

export function workgroupsPerDimension(device: GPUDevice): number {
  return dimensionCaps.get(device) ?? device.limits.maxComputeWorkgroupsPerDimension;
}

/**
 * Records one compute pass running `pipeline` over `invocations` (its shader was compiled with
 * WORKGROUP_SIZE = `workgroupSize`), as a grid that respects the device's per-dimension limit.
 */
export function dispatch(
  device: GPUDevice,
  encoder: GPUCommandEncoder,
  label: string,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
  invocations: number,
  workgroupSize = DEFAULT_WORKGROUP_SIZE,
): void {
  if (invocations === 0) return;
  const grid = workgroupGrid(invocations, workgroupSize, workgroupsPerDimension(device));
  const timestampWrites = kernelTimer(device)?.timestampWrites(label);
  const pass = encoder.beginComputePass(timestampWrites ? { label, timestampWrites } : { label });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(grid.x, grid.y, grid.z);
  pass.end();
}
