import gridSource from '../../shaders/grid.wgsl?raw';

/**
 * Per-device caches of shader modules, bind group layouts and compute pipelines. A pipeline is
 * keyed by its module, entry point, layout and every `override` constant, so kernels of the
 * same shape and mode (e.g. equal layers) share one compiled pipeline, and any constant that
 * differs gives its own.
 */
const caches = new WeakMap<GPUDevice, Map<string, unknown>>();

function cached<T>(device: GPUDevice, key: string, make: () => T): T {
  let cache = caches.get(device);
  if (!cache) {
    cache = new Map();
    caches.set(device, cache);
  }
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

/** Number of cached objects for a device (tests). */
export function pipelineCacheSize(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}

/**
 * One module per shader file: `label` names the file, whose code never changes at run time.
 * shaders/grid.wgsl (the WORKGROUP_SIZE override and the 2-D grid's linear index) goes first.
 */
export function shaderModule(device: GPUDevice, label: string, code: string): GPUShaderModule {
  return cached(device, `module:${label}`, () =>
    device.createShaderModule({ label, code: `${gridSource}\n${code}` }),
  );
}

export function bindGroupLayout(
  device: GPUDevice,
  descriptor: GPUBindGroupLayoutDescriptor & { label: string },
): GPUBindGroupLayout {
  return cached(device, `bind group layout:${descriptor.label}`, () =>
    device.createBindGroupLayout(descriptor),
  );
}

export function pipelineLayout(
  device: GPUDevice,
  descriptor: GPUPipelineLayoutDescriptor & { label: string },
): GPUPipelineLayout {
  return cached(device, `pipeline layout:${descriptor.label}`, () => device.createPipelineLayout(descriptor));
}

/** A compute pipeline from the cache; `layout` is 'auto' or a cached (labelled) layout. */
export function computePipeline(
  device: GPUDevice,
  descriptor: GPUComputePipelineDescriptor,
): GPUComputePipeline {
  const { module, entryPoint, constants } = descriptor.compute;
  const sorted = Object.entries(constants ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const layout = descriptor.layout === 'auto' ? 'auto' : descriptor.layout.label;
  const key = `pipeline:${module.label}:${entryPoint ?? ''}:${layout}:${JSON.stringify(sorted)}`;
  return cached(device, key, () => device.createComputePipeline(descriptor));
}
