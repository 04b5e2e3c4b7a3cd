/**
 * Bind groups of one kernel, reused while the buffers they bind stay the same: a training step
 * binds the same parameter, activation and uniform buffers every time, so after the first step
 * no bind group is created at all. Keyed by the buffers' identities, in binding order.
 */
export class BindGroupCache {
  private static readonly ids = new WeakMap<GPUBuffer, number>();
  private static nextId = 0;
  private readonly groups = new Map<string, GPUBindGroup>();

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly layout: GPUBindGroupLayout,
    /** Distinct buffer sets kept (e.g. one per batch size); past it the cache starts over. */
    private readonly limit = 16,
    /** The binding of each buffer given to `get`, where not 0, 1, 2, … (a layout with gaps). */
    private readonly bindings: readonly number[] | null = null,
  ) {}

  /** The bind group with `buffers` at bindings 0, 1, 2, … (or at `bindings`). */
  get(buffers: readonly GPUBuffer[]): GPUBindGroup {
    const key = buffers.map((b) => BindGroupCache.idOf(b)).join(',');
    let group = this.groups.get(key);
    if (!group) {
      // Old sets hold buffers that may have been destroyed (a batch size no longer used).
      if (this.groups.size >= this.limit) this.groups.clear();
      group = this.device.createBindGroup({
        label: this.label,
        layout: this.layout,
        entries: buffers.map((buffer, k) => ({ binding: this.bindings?.[k] ?? k, resource: { buffer } })),
      });
      this.groups.set(key, group);
    }
    return group;
  }

  /** Bind groups created so far and still cached (tests check reuse with it). */
  get size(): number {
    return this.groups.size;
  }

  private static idOf(buffer: GPUBuffer): number {
    let id = BindGroupCache.ids.get(buffer);
    if (id === undefined) {
      id = BindGroupCache.nextId++;
      BindGroupCache.ids.set(buffer, id);
    }
    return id;
  }
}
