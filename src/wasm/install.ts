import { layerAccelerator, installLayerAccelerator } from '../core/synapses/layerAccelerator.ts';
import { createWasmLayerKernels } from './layerKernels.ts';

/** Which loops the CPU engine's float32 Gaussian layers run: WebAssembly SIMD or the TypeScript reference. */
export type CpuKernels = 'wasm-simd' | 'typescript';

/** How engines name their kernels in their descriptions. */
export const CPU_KERNEL_WORDS: Readonly<Record<CpuKernels, string>> = {
  'wasm-simd': 'WebAssembly SIMD',
  typescript: 'TypeScript loops',
};

/**
 * Installs the CPU kernels for this thread; 'wasm-simd' falls back to the TypeScript loops, with
 * the reason returned, where the runtime cannot compile WebAssembly SIMD (very old browsers).
 */
export function installCpuKernels(kernels: CpuKernels): {
  kernels: CpuKernels;
  fallbackReason: string | null;
} {
  if (kernels === 'typescript') {
    installLayerAccelerator(null);
    return { kernels, fallbackReason: null };
  }
  try {
    installLayerAccelerator(createWasmLayerKernels());
    return { kernels, fallbackReason: null };
  } catch (e) {
    installLayerAccelerator(null);
    const reason = e instanceof Error ? e.message : String(e);
    return { kernels: 'typescript', fallbackReason: `WebAssembly SIMD is not available (${reason})` };
  }
}

/** The kernels installed in this thread. */
export function installedCpuKernels(): CpuKernels {
  return layerAccelerator() ? 'wasm-simd' : 'typescript';
}

/**
 * The kernels a Node process asks for: DELAYLAB_CPU_KERNELS=typescript selects the reference
 * loops (for comparisons and profiling); anything else, or nothing, WebAssembly SIMD.
 */
export function cpuKernelsFromEnv(env: Record<string, string | undefined>): CpuKernels {
  return env.DELAYLAB_CPU_KERNELS === 'typescript' ? 'typescript' : 'wasm-simd';
}
