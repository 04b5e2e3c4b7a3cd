import { isPlainObject, type Json } from './reader.ts';

/** Deep merge for `{"extends": "<preset>", ...overrides}` files: objects merge, arrays and values replace. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeConfig(out[k], v);
  return out;
}
