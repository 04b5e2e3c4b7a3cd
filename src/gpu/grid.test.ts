import { describe, expect, it } from 'vitest';
import { workgroupGrid } from './grid.ts';

/** The linear index shaders/grid.wgsl computes, for every invocation of a grid (small grids only). */
function indices(grid: { x: number; y: number; z: number }, size: number): number[] {
  const out: number[] = [];
  for (let z = 0; z < grid.z; z++)
    for (let y = 0; y < grid.y; y++)
      for (let gx = 0; gx < grid.x * size; gx++) out.push(gx + (y + z * grid.y) * grid.x * size);
  return out;
}

describe('workgroupGrid', () => {
  it('stays 1-D up to the per-dimension limit', () => {
    expect(workgroupGrid(64 * 65535, 64, 65535)).toEqual({ x: 65535, y: 1, z: 1 });
    expect(workgroupGrid(1, 64, 65535)).toEqual({ x: 1, y: 1, z: 1 });
  });

  it('goes 2-D past it: the issue’s Yin-Yang 512 x 256 layer and shd at batch 256', () => {
    // 81,920 workgroups of 64 (the count the 1-D dispatch failed with).
    const yinYang = workgroupGrid(81920 * 64, 64, 65535);
    expect(yinYang).toEqual({ x: 65535, y: 2, z: 1 });
    // shd hidden layer: batch 256 x 100 steps x 256 neurons.
    const shd = workgroupGrid(256 * 100 * 256, 64, 65535);
    expect(shd.x * shd.y * 64).toBeGreaterThanOrEqual(256 * 100 * 256);
    expect(shd.x).toBeLessThanOrEqual(65535);
  });

  it('goes 3-D when rows run out, and refuses what a u32 index cannot address', () => {
    expect(workgroupGrid(10 * 10 * 7 * 4, 4, 10)).toEqual({ x: 10, y: 10, z: 7 });
    expect(() => workgroupGrid(2 ** 32, 64, 65535)).toThrow(/2\^32 - 1/);
    expect(() => workgroupGrid(1001 * 4, 4, 10)).toThrow(/exceed a 10\^3 grid/);
    expect(() => workgroupGrid(-1, 64, 65535)).toThrow(/whole number/);
  });

  it('covers every index exactly once, with fewer than one row of x left over', () => {
    for (const [n, size, cap] of [
      [1, 4, 3],
      [13, 4, 3],
      [37, 4, 3],
      [12 * 3 + 1, 4, 3],
      [4 * 3 * 3 * 2, 4, 3],
      [60, 8, 2],
    ] as const) {
      const grid = workgroupGrid(n, size, cap);
      for (const d of [grid.x, grid.y, grid.z]) expect(d).toBeLessThanOrEqual(cap);
      const all = indices(grid, size);
      expect(new Set(all).size, `n=${n}`).toBe(all.length);
      expect(all.filter((i) => i < n).length, `n=${n}`).toBe(n);
      expect(all.length - n, `n=${n}`).toBeLessThan(grid.y > 1 || grid.z > 1 ? size * grid.x * grid.y : size);
    }
  });
});
