/**
 * One place that opens a WebGPU device, from the browser's `navigator.gpu` or from Dawn in Node
 * (src/node/dawn.ts), labels it, and routes device loss and uncaptured errors to one handler,
 * so the caller (UI notice, CLI message) can tell the user and recover (rebuild from the last
 * checkpoint or fall back to the CPU engine). Nothing here falls back silently.
 */
import { EngineLostError } from '../core/engine.ts';

export class GpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuUnavailableError';
  }
}

/** The device went away (driver reset, GPU removed, or destroyed); its buffers are gone. */
export class GpuDeviceLostError extends EngineLostError {
  constructor(detail: string) {
    super(`the GPU device was lost (${detail}); its parameters are gone, continue from the last checkpoint`);
    this.name = 'GpuDeviceLostError';
  }
}

/**
 * A GPU command failed: a validation error (e.g. a dispatch beyond the device's limits) or an
 * allocation the device refused. The step's results are garbage, so the run stops here.
 */
export class GpuCommandError extends Error {
  constructor(
    readonly kind: 'validation' | 'out-of-memory' | 'internal',
    detail: string,
    step: number,
  ) {
    super(`GPU ${kind} error at step ${step}: ${detail}`);
    this.name = 'GpuCommandError';
  }
}

export type GpuTrouble =
  { kind: 'lost'; reason: string; message: string } | { kind: 'error'; message: string };

export interface GpuContext {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  /** Resolves when the device is lost (destroyed on purpose or not). */
  lost: Promise<GpuTrouble>;
}

export async function openDevice(gpu: GPU, onTrouble: (trouble: GpuTrouble) => void): Promise<GpuContext> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new GpuUnavailableError('WebGPU is present but requestAdapter() returned no adapter');
  }
  // The adapter's own limits, not WebGPU's defaults (128 MiB per binding, 256 MiB per buffer):
  // a real GPU holds far larger layers and batches. Timestamp queries where the adapter has them
  // (per-kernel times in the bench; nothing records them otherwise).
  const device = await adapter.requestDevice({
    label: 'delaylab device',
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
    },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  const lost = device.lost.then((info): GpuTrouble => {
    const trouble: GpuTrouble = { kind: 'lost', reason: String(info.reason), message: info.message };
    onTrouble(trouble);
    return trouble;
  });
  device.addEventListener('uncapturederror', (event) => {
    onTrouble({ kind: 'error', message: (event as GPUUncapturedErrorEvent).error.message });
  });
  const info = adapter.info;
  return {
    device,
    lost,
    adapterInfo: {
      vendor: info.vendor,
      architecture: info.architecture,
      description: info.description,
      isFallbackAdapter:
        (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
  };
}
