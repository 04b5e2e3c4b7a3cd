import { isPlainObject } from '../experiment.ts';
import type { JsonObject } from './json.ts';

/**
 * The readable settings of a share link (link version 2): the difference from the base preset
 * as `path=value` pairs, e.g. `seed=5&network.layers.0.size=64&training.epochs=40`.
 *
 * - A path is the field's config path with '.' between segments; a list element is its index.
 * - A value is a number or true / false / null as JSON writes it, a plain word (letters, digits,
 *   '-' and '_', starting with a letter, and not true / false / null) as it is, and anything else
 *   (a text with other characters, a list, an object) as JSON, percent-escaped.
 */

/** Path segments a link may not use: they would reach an object's prototype. */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9_-]*$/;
const JSON_START = /^(-?\d|true$|false$|null$|["[{])/;

/** The value as a link writes it. */
export function valueText(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'string' && PLAIN_WORD.test(value) && !JSON_START.test(value)) return value;
  return encodeURIComponent(JSON.stringify(value));
}

/** The value a link's text stands for: JSON where it reads as JSON, else the text itself. */
export function parseValue(text: string): unknown {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // Left as it is: a stray '%' is just a character of a word.
  }
  if (!JSON_START.test(decoded)) return decoded;
  try {
    return JSON.parse(decoded) as unknown;
  } catch {
    return decoded;
  }
}

/** `path=value` pairs of a diff (see json.ts `diff`), leaves in the diff's key order. */
export function flattenSettings(change: unknown, prefix = ''): string[] {
  if (isPlainObject(change) && Object.keys(change).length > 0) {
    return Object.entries(change).flatMap(([key, v]) =>
      flattenSettings(v, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [`${prefix}=${valueText(change)}`];
}

/**
 * The settings object of `path=value` pairs (nested objects; list indices stay keys, which
 * json.ts `applyDiff` lays over the preset's lists). Pairs that cannot be read are listed in
 * `ignored`, in words.
 */
export function unflattenSettings(
  pairs: readonly string[],
  /** Most path segments a setting may have (no config field is deeper). */
  maxDepth = 16,
): { change: JsonObject; ignored: string[] } {
  const change: JsonObject = {};
  const ignored: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const path = eq < 0 ? pair : pair.slice(0, eq);
    const shown = path.length > 60 ? `${path.slice(0, 60)}…` : path;
    if (eq < 0) {
      ignored.push(`'${shown}': no value (expected name=value); ignored`);
      continue;
    }
    const segments = path.split('.');
    if (segments.length > maxDepth || segments.some((s) => s === '' || FORBIDDEN_SEGMENTS.has(s))) {
      ignored.push(`'${shown}': not a setting this Delay Lab knows; ignored`);
      continue;
    }
    let at: JsonObject = change;
    let clash = false;
    for (const segment of segments.slice(0, -1)) {
      const next = Object.hasOwn(at, segment) ? at[segment] : undefined;
      if (next === undefined) at = at[segment] = {};
      else if (isPlainObject(next)) at = next;
      else {
        clash = true;
        break;
      }
    }
    const last = segments.at(-1)!;
    if (clash || (Object.hasOwn(at, last) && isPlainObject(at[last]))) {
      ignored.push(`'${shown}': given twice (as a value and as a group of settings); ignored`);
      continue;
    }
    at[last] = parseValue(pair.slice(eq + 1));
  }
  return { change, ignored };
}
