/**
 * A generated kernel module (base64, see build.mjs) compiled once per thread on first use (a few
 * KB, synchronously), and instances of it whose `abort` (AssemblyScript's failed assertion)
 * throws.
 */
export function kernelModule(base64: string): () => WebAssembly.Module {
  let compiled: WebAssembly.Module | null = null;
  return () => (compiled ??= new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))));
}

/** A new instance of `module` (its own memory): its exports, as the caller's interface says. */
export function instantiateKernels<Exports>(module: WebAssembly.Module): Exports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('WebAssembly kernel aborted');
      },
    },
  });
  return instance.exports as unknown as Exports;
}
