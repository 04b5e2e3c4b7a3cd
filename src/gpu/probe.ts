/**
 * Reports whether this browser (or Worker) can run WebGPU, and if so which adapter it gets.
 * It never requests a device: it only looks, so it is cheap and safe to call at start-up.
 */

/** The adapter limits a Delay Lab kernel cares about first. */
export const PROBED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

export type ProbedLimit = (typeof PROBED_LIMITS)[number];

export interface GpuAdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: Record<ProbedLimit, number>;
  features: string[];
}

export type GpuProbe =
  /** `navigator.gpu` does not exist: the browser has no WebGPU, or it is switched off. */
  | { kind: 'no-api'; message: string }
  /** WebGPU exists but `requestAdapter()` gave nothing (no usable GPU, blocklisted, or flag missing). */
  | { kind: 'no-adapter'; message: string }
  /** `requestAdapter()` threw. */
  | { kind: 'error'; message: string }
  | { kind: 'adapter'; adapter: GpuAdapterReport };

/** The part of `Navigator` / `WorkerNavigator` the probe needs (injectable for tests). */
export interface NavigatorWithGpu {
  gpu?: Pick<GPU, 'requestAdapter'> | undefined;
}

/** Older Chromium put `isFallbackAdapter` on the adapter itself rather than on `adapter.info`. */
interface LegacyAdapterFields {
  isFallbackAdapter?: boolean;
  info?: GPUAdapterInfo;
}

export async function probeWebGpu(nav: NavigatorWithGpu = navigator): Promise<GpuProbe> {
  const gpu = nav.gpu;
  if (!gpu) {
    return {
      kind: 'no-api',
      message:
        'This browser does not expose WebGPU (navigator.gpu is missing). Use a recent Chrome, Edge or ' +
        'Chromium (on Linux, start it with --enable-unsafe-webgpu), or a secure (https / localhost) page.',
    };
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return {
      kind: 'error',
      message: `requestAdapter() failed: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  if (!adapter) {
    return {
      kind: 'no-adapter',
      message:
        'navigator.gpu exists but requestAdapter() returned null: no usable GPU adapter. On Linux Chromium ' +
        'needs --enable-unsafe-webgpu (it then offers SwiftShader on machines without a GPU).',
    };
  }
  // `adapter.info` arrived in Chromium 127; be kind to older browsers.
  const legacy = adapter as Omit<GPUAdapter, 'info'> & LegacyAdapterFields;
  const info = legacy.info;
  const limits = {} as Record<ProbedLimit, number>;
  for (const name of PROBED_LIMITS) limits[name] = adapter.limits[name];
  return {
    kind: 'adapter',
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      isFallbackAdapter: info?.isFallbackAdapter ?? legacy.isFallbackAdapter ?? false,
      limits,
      features: [...adapter.features].sort(),
    },
  };
}

/** A one-line summary of a probe, e.g. for a status line or a log. */
export function describeProbe(p: GpuProbe): string {
  if (p.kind !== 'adapter') return p.message;
  const a = p.adapter;
  const name = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0).join(' / ') || 'unnamed';
  return `WebGPU adapter: ${name}${a.isFallbackAdapter ? ' (fallback, software)' : ''}`;
}
