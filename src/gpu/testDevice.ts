/**
 * For GPU tests: opens one device per test file on a real adapter (Dawn in Node; SwiftShader
 * without a GPU) and destroys it afterwards. No adapter fails the file's tests with an install
 * hint: a GPU test never falls back to the CPU.
 */
import { afterAll, beforeAll } from 'vitest';
import { dawnGpu, explainMissingAdapter } from '../node/dawn.ts';
import { openDevice, type GpuContext, type GpuTrouble } from './device.ts';

export interface GpuFixture {
  /** The open device (available inside tests, after beforeAll). */
  readonly ctx: GpuContext;
  /** Device losses and uncaptured errors seen so far. */
  readonly troubles: GpuTrouble[];
}

export function useGpuDevice(): GpuFixture {
  let ctx: GpuContext | null = null;
  const troubles: GpuTrouble[] = [];
  beforeAll(async () => {
    try {
      ctx = await openDevice(dawnGpu(), (t) => troubles.push(t));
    } catch (e) {
      throw explainMissingAdapter(e);
    }
  });
  afterAll(() => {
    ctx?.device.destroy();
  });
  return {
    get ctx(): GpuContext {
      if (!ctx) throw new Error('no GPU device: the beforeAll that opens it failed');
      return ctx;
    },
    troubles,
  };
}
