import { isPlainObject, type ConfigPath } from '../experiment.ts';

/**
 * JSON helpers of the share link: comparing, diffing and patching configs as plain JSON, and
 * walking them by ConfigPath (the same paths config problems carry).
 */

export type JsonObject = Record<string, unknown>;

export function hasOwn(o: unknown, key: string | number): boolean {
  return typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, key);
}

export function child(o: unknown, key: string | number): unknown {
  return hasOwn(o, key) ? (o as Record<string | number, unknown>)[key] : undefined;
}

/** Equality of JSON values (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * Whether `value` can be compared with (and merged over) the preset's `base` field by field: both
 * arrays, or both objects and, where the preset's object has a `kind`, of that kind. Objects of
 * different kinds (a toy task against a patterns task) have different fields and are only ever
 * replaced whole. A `kind` on an object whose preset counterpart has none is just an unknown key.
 */
export function sameShape(value: unknown, base: unknown): boolean {
  if (Array.isArray(value)) return Array.isArray(base);
  return (
    isPlainObject(value) && isPlainObject(base) && (!hasOwn(base, 'kind') || value['kind'] === base['kind'])
  );
}

export function valueAt(root: unknown, path: ConfigPath): unknown {
  return path.reduce<unknown>((o, key) => child(o, key), root);
}

/** Sets a value whose parent exists (callers only set paths they walked down to). */
export function setAt(root: unknown, path: ConfigPath, value: unknown): void {
  const parent = valueAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = structuredClone(value);
}

export function isPrefix(prefix: ConfigPath, path: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => k === path[i]);
}

export const NOT_CHANGED = Symbol('not changed');

/** Whether `change` patches the list `base` element by element: an object keyed by its indices. */
export function isListPatch(base: unknown, change: unknown): change is JsonObject {
  return (
    Array.isArray(base) &&
    isPlainObject(change) &&
    Object.keys(change).every((k) => /^(0|[1-9]\d{0,8})$/.test(k) && Number(k) < base.length)
  );
}

/**
 * The fields of `value` that differ from `base` (see shareLink.ts), or NOT_CHANGED. A list of
 * the preset's length differs element by element (an object keyed by the changed indices), so
 * one changed layer size is one setting; a list of another length is given whole.
 */
export function diff(base: unknown, value: unknown): unknown {
  if (sameJson(base, value)) return NOT_CHANGED;
  if (Array.isArray(base) && Array.isArray(value) && base.length === value.length) {
    const out: JsonObject = {};
    value.forEach((v, i) => {
      const d = diff(base[i], v);
      if (d !== NOT_CHANGED) out[String(i)] = d;
    });
    return out;
  }
  if (!isPlainObject(base) || !isPlainObject(value) || !sameShape(value, base)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const d = hasOwn(base, key) ? diff(base[key], v) : v;
    if (d !== NOT_CHANGED) out[key] = d;
  }
  // A key the preset has and the value lacks cannot be written; configs have fixed shapes.
  return Object.keys(out).length > 0 ? out : NOT_CHANGED;
}

/** The inverse of `diff`: the link's fields laid over a copy of the preset. */
export function applyDiff(base: unknown, change: unknown): unknown {
  if (isListPatch(base, change)) {
    const out = structuredClone(base) as unknown[];
    for (const [key, v] of Object.entries(change)) out[Number(key)] = applyDiff(out[Number(key)], v);
    return out;
  }
  if (
    !isPlainObject(base) ||
    !isPlainObject(change) ||
    (hasOwn(base, 'kind') && hasOwn(change, 'kind') && change['kind'] !== base['kind'])
  ) {
    return structuredClone(change);
  }
  const out: JsonObject = structuredClone(base);
  for (const [key, v] of Object.entries(change)) {
    // JSON.parse makes "__proto__" an own key; assigning it would swap the object's prototype.
    // It is never a setting, so it is left out here and reported as unknown.
    if (key === '__proto__') continue;
    out[key] = applyDiff(out[key], v);
  }
  return out;
}
