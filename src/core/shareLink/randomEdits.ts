import type { Rng } from '../rng.ts';

/**
 * Test helper: a hand edit of a share link's config as a user might make it: `count` fields picked
 * at random from `fields` (paths into the config), each set to a value drawn from `values`.
 * Returns the nested change object the link's `change` parameter carries.
 */
export function randomEdit(
  fields: readonly (readonly string[])[],
  values: readonly unknown[],
  rng: Rng,
  count = 3,
): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  for (let k = 0; k < count; k++) {
    const path = fields[rng.int(fields.length)]!;
    let at = change;
    for (const key of path.slice(0, -1)) {
      const next = at[key];
      at = (at[key] = typeof next === 'object' && next !== null ? next : {}) as Record<string, unknown>;
    }
    at[path.at(-1)!] = structuredClone(values[rng.int(values.length)]);
  }
  return change;
}
