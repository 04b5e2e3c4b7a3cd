import { installArrivalBuilder } from '../core/eventprop/exactLif.ts';
import { layerAccelerator, installLayerAccelerator } from '../core/synapses/layerAccelerator.ts';
import { createWasmArrivalBuilder } from './arrivalKernels.ts';
import { createWasmLayerKernels } from './layerKernels.ts';

/**
 * Which loops the CPU engine runs: WebAssembly (SIMD for the float32 Gaussian layers; EventProp's
 * arrival lists too) or the TypeScript reference.
 */
export type CpuKernels = 'wasm-simd' | 'typescript';

/** How engines name their kernels in their descriptions. */
export const CPU_KERNEL_WORDS: Readonly<Record<CpuKernels, string>> = {
  'wasm-simd': 'WebAssembly SIMD',
  typescript: 'TypeScript loops',
};

/**
 * Installs the CPU kernels for this thread and returns those installed: 'wasm-simd' falls back to
 * the TypeScript loops where the runtime cannot compile WebAssembly SIMD (very old browsers);
 * engines name the kernels they run in their descriptions, so the fallback is visible there.
 */
export function installCpuKernels(kernels: CpuKernels): CpuKernels {
  installLayerAccelerator(kernels === 'wasm-simd' ? orNull(createWasmLayerKernels) : null);
  // EventProp's arrival lists: WebAssembly where it compiles, independently of the layer kernels.
  installArrivalBuilder(kernels === 'wasm-simd' ? orNull(createWasmArrivalBuilder) : null);
  return installedCpuKernels();
}

/** What `make` makes, or null where it throws (a runtime without WebAssembly SIMD): the reference loops run. */
function orNull<T>(make: () => T): T | null {
  try {
    return make();
  } catch {
    return null;
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
