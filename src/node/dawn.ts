import { create, globals } from 'webgpu';
import { GpuUnavailableError } from '../gpu/device.ts';

/**
 * WebGPU in Node through Dawn (the `webgpu` package). On GPU-less machines Dawn runs on
 * SwiftShader's Vulkan driver (Debian's chromium package) through Debian's libvulkan1:
 * VK_ICD_FILENAMES must name the driver, or Dawn finds no adapter.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The one Dawn instance of this process. It must stay referenced for as long as any adapter or
 * device made from it lives: if it is garbage-collected, the next GPU call crashes the process
 * (seen here when a test allocated heavily between opening a device and using it).
 */
let instance: GPU | null = null;

export function dawnGpu(): GPU {
  if (!instance) {
    // Dawn's constructors (GPUBufferUsage and friends) as globals, as a browser has them.
    Object.assign(globalThis, globals);
    if (!process.env['VK_ICD_FILENAMES']) process.env['VK_ICD_FILENAMES'] = SWIFTSHADER_ICD;
    instance = create([]) as GPU;
  }
  return instance;
}

export function explainMissingAdapter(e: unknown): Error {
  if (!(e instanceof GpuUnavailableError)) return e instanceof Error ? e : new Error(String(e));
  return new GpuUnavailableError(
    `${e.message}. In Node, Dawn needs a Vulkan driver: on a machine without a GPU install ` +
      '`apt-get install -y chromium libvulkan1` and set VK_ICD_FILENAMES=' +
      SWIFTSHADER_ICD,
  );
}
