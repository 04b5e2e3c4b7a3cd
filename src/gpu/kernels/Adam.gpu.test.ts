/**
 * Parity of the WGSL Adam (+ delay clamp) with src/core/train/adam.ts over several steps, on a
 * real WebGPU adapter (Dawn; SwiftShader without a GPU). No adapter fails the test.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.ts';
import { AdamState } from '../../core/train/adam.ts';
import { GpuAdam } from './Adam.ts';
import { useGpuDevice } from '../testDevice.ts';

const fixture = useGpuDevice();

const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
const AMS_HYPER = { ...HYPER, beta2: 0.9, amsgrad: true };

async function runBoth(
  count: number,
  maxDelay: number | null,
  lr: number,
  /** A fixed mask's existing parameters: moments kept for those only, the others get gradient 0. */
  indices: Int32Array | null = null,
  /**
   * AMSGrad, with gradients shrinking 4x a step and beta2 0.9 (AMS_HYPER) so that v falls within
   * the 5 steps and its maximum decides.
   */
  amsgrad = false,
): Promise<{ cpu: Float64Array; gpu: Float32Array }> {
  const { device } = fixture.ctx;
  const rng = new Rng(3);
  const cpu = Float64Array.from({ length: count }, () =>
    maxDelay ? rng.uniformIn(0, maxDelay - 1) : rng.normal(),
  );
  const state = new AdamState(count, indices);
  const kept = indices ? new Set(indices) : null;
  const params = device.createBuffer({
    label: 'test params',
    size: count * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
  });
  const grads = device.createBuffer({
    label: 'test grads',
    size: count * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  const readback = device.createBuffer({
    label: 'test readback',
    size: count * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(params, 0, Float32Array.from(cpu));
  const adam = new GpuAdam(device, count, 'test', maxDelay, indices, amsgrad);
  const hyper = amsgrad ? AMS_HYPER : HYPER;
  device.pushErrorScope('validation');
  for (let step = 0; step < 5; step++) {
    // Large gradients push delays past both ends, so the clamp is exercised.
    const scale = amsgrad ? 4 ** -step : 1;
    const g = Float64Array.from({ length: count }, (_, q) =>
      kept && !kept.has(q) ? 0 : rng.normal(0, 3) * scale,
    );
    state.apply(cpu, g, lr, hyper);
    if (maxDelay) for (let q = 0; q < count; q++) cpu[q] = Math.min(maxDelay - 1, Math.max(0, cpu[q]!));
    device.queue.writeBuffer(grads, 0, Float32Array.from(g));
    const encoder = device.createCommandEncoder({ label: 'test adam step' });
    adam.encode(encoder, params, grads, lr, hyper);
    device.queue.submit([encoder.finish()]);
  }
  const encoder = device.createCommandEncoder({ label: 'test readback' });
  encoder.copyBufferToBuffer(params, 0, readback, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await readback.mapAsync(GPUMapMode.READ);
  const gpu = new Float32Array(readback.getMappedRange().slice(0));
  readback.unmap();
  expect((await device.popErrorScope())?.message ?? null).toBeNull();
  for (const b of [params, grads, readback]) b.destroy();
  adam.destroy();
  return { cpu, gpu };
}

describe('adam.wgsl', () => {
  it('matches the CPU Adam over 5 steps (|gpu - cpu| <= 1e-5 + 1e-5 |cpu|)', async () => {
    const { cpu, gpu } = await runBoth(1000, null, 0.01);
    for (let q = 0; q < cpu.length; q++)
      expect(Math.abs(gpu[q]! - cpu[q]!)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(cpu[q]!));
  });

  it('AMSGrad matches the CPU AMSGrad, dense and for listed parameters, and is not plain Adam', async () => {
    const indices = Int32Array.from({ length: 250 }, (_, k) => 4 * k + (k % 3));
    for (const listed of [null, indices]) {
      const { cpu, gpu } = await runBoth(1000, null, 0.01, listed, true);
      for (let q = 0; q < cpu.length; q++)
        expect(Math.abs(gpu[q]! - cpu[q]!)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(cpu[q]!));
      // The same gradients under plain Adam (CPU) end elsewhere: the maximum changed the steps.
      const plain = new AdamState(1000, listed);
      const rng = new Rng(3);
      const p = Float64Array.from({ length: 1000 }, () => rng.normal());
      const kept = listed ? new Set(listed) : null;
      for (let step = 0; step < 5; step++) {
        const g = Float64Array.from({ length: 1000 }, (_, q) =>
          kept && !kept.has(q) ? 0 : rng.normal(0, 3) * 4 ** -step,
        );
        plain.apply(p, g, 0.01, { ...AMS_HYPER, amsgrad: false });
      }
      let apart = 0;
      for (let q = 0; q < 1000; q++) if (Math.abs(p[q]! - cpu[q]!) > 1e-4) apart++;
      expect(apart).toBeGreaterThan(listed ? 200 : 800);
    }
  });

  it('clamps delays to [0, Td - 1] like the CPU engine', async () => {
    const td = 10;
    const { cpu, gpu } = await runBoth(1000, td, 2);
    let atEdges = 0;
    for (let q = 0; q < cpu.length; q++) {
      expect(Math.abs(gpu[q]! - cpu[q]!)).toBeLessThanOrEqual(1e-4 + 1e-5 * Math.abs(cpu[q]!));
      expect(gpu[q]).toBeGreaterThanOrEqual(0);
      expect(gpu[q]).toBeLessThanOrEqual(td - 1);
      if (cpu[q] === 0 || cpu[q] === td - 1) atEdges++;
    }
    expect(atEdges).toBeGreaterThan(10);
  });

  it('keeps and steps the moments of listed parameters only (a fixed mask), as the CPU does', async () => {
    const indices = Int32Array.from({ length: 250 }, (_, k) => 4 * k + (k % 3));
    const rng = new Rng(3);
    const start = Float64Array.from({ length: 1000 }, () => rng.normal());
    const { cpu, gpu } = await runBoth(1000, null, 0.01, indices);
    const listed = new Set(indices);
    let moved = 0;
    for (let q = 0; q < cpu.length; q++) {
      expect(Math.abs(gpu[q]! - cpu[q]!)).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(cpu[q]!));
      // Unlisted parameters keep their starting values exactly; listed ones moved.
      if (!listed.has(q)) expect(gpu[q]).toBe(Math.fround(start[q]!));
      else if (gpu[q] !== Math.fround(start[q]!)) moved++;
    }
    expect(moved).toBe(250);
    const adam = new GpuAdam(fixture.ctx.device, 1000, 'test', null, indices);
    const expanded = adam.expand(Float32Array.from(indices, (q) => q + 0.5));
    expect(expanded[indices[7]!]).toBe(indices[7]! + 0.5);
    expect(expanded.filter((v) => v !== 0).length).toBe(250);
    adam.destroy();
  });
});
