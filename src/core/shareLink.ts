import { ConfigError, validateExperiment, type ExperimentConfig } from './experiment.ts';
import { PRESETS, preset } from './presets.ts';

/**
 * Share links: an experiment config (seed included) packed into a URL fragment, compactly.
 *
 * Format (LINK_VERSION 1):
 *
 *   #x=<linkVersion>.<base>.<check>[.<settings>]
 *
 * - linkVersion: LINK_VERSION, the version of this link layout. It is separate from
 *   EXPERIMENT_VERSION (the config's own schema version): the layout and the config can change
 *   independently.
 * - base: the preset the config starts from: its `name` when that names a preset, otherwise the
 *   preset that gives the shortest settings part. Preset names hold only [a-z0-9-], never '.'.
 * - check: FNV-1a (32 bit, base 36) of the whole config as canonical JSON (keys sorted). Presets
 *   and defaults may change between Delay Lab releases; since the link leaves out everything equal
 *   to its base preset, an old link would then open a different experiment without a word. The
 *   check catches that end to end. It may be left empty (`1.toy..<settings>`) in a hand-written
 *   link, which is then not checked.
 * - settings: base64url (no padding) of the UTF-8 JSON of the difference between the base
 *   preset and the config: only the fields that differ; arrays are replaced whole; an object whose
 *   `kind` differs from the preset's (a task, loss, schedule, init of another kind) is given whole,
 *   since its fields are a different set. Configs have fixed shapes, so no field is ever removed
 *   and no deletion marker is needed. Left out (with its '.') when the config equals the preset.
 *
 * The fragment, not the query, holds it so that the experiment never goes to a server. Base64url
 * and '.' need no percent-escaping, so the link survives chat apps and the address bar unchanged.
 *
 * Decoding never throws: links come from anywhere. A link it cannot read at all opens the
 * default preset; fields that do not validate (or that this Delay Lab does not know) are dropped
 * one by one and the rest is applied. Every such step is listed in `ignored`, in plain words.
 */
export const LINK_VERSION = 1;

/** What an unreadable link opens. */
export const DEFAULT_PRESET = 'toy';

/** The URL fragment parameter that holds the experiment. */
const PARAM = 'x';

/**
 * Longest settings part decoded. A real diff is a few hundred characters; the cap keeps a
 * pasted multi-megabyte string from freezing the page while it is parsed and repaired.
 */
const MAX_SETTINGS_CHARS = 100_000;

/**
 * Repair rounds before giving up. Each round puts back at least one field that differs from the
 * base preset, so the loop ends anyway; the cap only bounds the work on a pathological link.
 */
const MAX_REPAIR_ROUNDS = 64;

export interface DecodedShareLink {
  /** A valid config: the link's, or as much of it as is valid, or a preset. */
  config: ExperimentConfig;
  /** Everything of the link that was not applied, each a sentence; empty when the link opened exactly. */
  ignored: string[];
  /** The preset the config was built on. */
  base: string;
}

type JsonObject = Record<string, unknown>;
type Path = (string | number)[];

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasOwn(o: unknown, key: string | number): boolean {
  return typeof o === 'object' && o !== null && Object.prototype.hasOwnProperty.call(o, key);
}

function child(o: unknown, key: string | number): unknown {
  return hasOwn(o, key) ? (o as Record<string | number, unknown>)[key] : undefined;
}

/** Equality of JSON values (key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
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
function sameShape(value: unknown, base: unknown): boolean {
  if (Array.isArray(value)) return Array.isArray(base);
  return isObject(value) && isObject(base) && (!hasOwn(base, 'kind') || value['kind'] === base['kind']);
}

/** `config.network.layers[0].size` style, as validateExperiment words its problems. */
function pathText(path: Path): string {
  return `config${path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
}

/** The path a validateExperiment problem starts with, or null when it names none. */
function problemPath(problem: string): Path | null {
  const head = /^config((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)(?=[:\s]|$)/.exec(problem);
  if (!head) return null;
  const path: Path = [];
  for (const m of (head[1] ?? '').matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]/g))
    path.push(m[1] ?? Number(m[2]));
  return path;
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((o, key) => child(o, key), root);
}

/** Sets a value whose parent exists (callers only set paths they walked down to). */
function setAt(root: unknown, path: Path, value: unknown): void {
  const parent = valueAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  parent[path.at(-1)!] = structuredClone(value);
}

/** The JSON text with object keys sorted, so the check does not depend on field order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** FNV-1a over UTF-16 code units: a short fingerprint, not a security measure. */
function configCheck(config: unknown): string {
  const text = canonicalJson(config);
  let hash = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    hash ^= text.charCodeAt(k);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url without padding (written out here: btoa works on Latin-1 strings, not bytes). */
function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let k = 0; k < bytes.length; k += 3) {
    const n = (bytes[k]! << 16) | ((bytes[k + 1] ?? 0) << 8) | (bytes[k + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - k) * 8) / 6));
    for (let c = 0; c < chars; c++) out += BASE64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

/** Strict base64url decoding; null for characters outside the alphabet or an impossible length. */
function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((text.length * 6) / 8));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const ch of text) {
    acc = ((acc << 6) | BASE64URL.indexOf(ch)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (acc >> bits) & 0xff;
    }
  }
  return bytes;
}

const NOT_CHANGED = Symbol('not changed');

/** The fields of `value` that differ from `base` (see the module comment), or NOT_CHANGED. */
function diff(base: unknown, value: unknown): unknown {
  if (sameJson(base, value)) return NOT_CHANGED;
  if (!isObject(base) || !isObject(value) || !sameShape(value, base)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const d = hasOwn(base, key) ? diff(base[key], v) : v;
    if (d !== NOT_CHANGED) out[key] = d;
  }
  // A key the preset has and the value lacks cannot be written; configs have fixed shapes.
  return Object.keys(out).length > 0 ? out : NOT_CHANGED;
}

/** The inverse of `diff`: the link's fields laid over a copy of the preset. */
function applyDiff(base: unknown, change: unknown): unknown {
  if (
    !isObject(base) ||
    !isObject(change) ||
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

function diffText(base: ExperimentConfig, config: unknown): string {
  const d = diff(base, config);
  return d === NOT_CHANGED ? '' : JSON.stringify(d);
}

/** Checks a config; the problems, or an empty list when it is valid. */
function problemsOf(raw: unknown): { config: ExperimentConfig | null; problems: string[] } {
  try {
    return { config: validateExperiment(raw), problems: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { config: null, problems: e.problems };
    // Not expected from validateExperiment; decoding still must not throw.
    return { config: null, problems: [`config: could not be checked (${String(e)})`] };
  }
}

/** The config's own preset when its name is one, else the preset with the shortest settings. */
function chooseBase(config: ExperimentConfig): { baseName: string; settings: string } {
  // hasOwn: a name such as 'constructor' must not find Object.prototype's.
  const named = hasOwn(PRESETS, config.name) ? PRESETS[config.name] : undefined;
  if (named) return { baseName: config.name, settings: diffText(named, config) };
  let best = { baseName: DEFAULT_PRESET, settings: diffText(PRESETS[DEFAULT_PRESET]!, config) };
  for (const [name, p] of Object.entries(PRESETS)) {
    const settings = diffText(p, config);
    if (settings.length < best.settings.length) best = { baseName: name, settings };
  }
  return best;
}

/**
 * Packs a config into a share link: the full URL when `baseUrl` is given (its own fragment and
 * query are dropped), else just the fragment, starting with '#'.
 */
export function encodeShareLink(config: ExperimentConfig, baseUrl?: string): string {
  // Normalise first (e.g. fields validateExperiment fills in), so that the decoded config, which
  // comes out of validateExperiment, matches the check. An invalid config is packed as it is: its
  // link opens with the invalid fields dropped and listed.
  const normal = problemsOf(structuredClone(config)).config ?? config;
  const { baseName, settings } = chooseBase(normal);
  const payload = settings === '' ? '' : `.${toBase64Url(new TextEncoder().encode(settings))}`;
  const fragment = `#${PARAM}=${LINK_VERSION}.${baseName}.${configCheck(normal)}${payload}`;
  if (baseUrl === undefined) return fragment;
  return baseUrl.replace(/[?#].*$/s, '') + fragment;
}

function opened(message: string, base = DEFAULT_PRESET): DecodedShareLink {
  return { config: preset(base)!, ignored: [message], base };
}

const DEFAULT_OPENED = 'opened the default experiment';

/** The `x` value of a URL, a fragment, or a bare `x=...`; null when there is none. */
function linkValue(text: string): string | null {
  const hashAt = text.indexOf('#');
  const fragment = hashAt >= 0 ? text.slice(hashAt + 1) : text;
  for (const part of fragment.split('&')) {
    if (!part.startsWith(`${PARAM}=`)) continue;
    const value = part.slice(PARAM.length + 1);
    try {
      // Nothing in a link this module writes is escaped, but a mail client may escape anyway.
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}

/**
 * Reads a share link (a full URL, or its fragment with or without '#'). Never throws: what it
 * cannot apply is listed in `ignored`, and a link it cannot read at all opens the default preset.
 */
export function decodeShareLink(text: string): DecodedShareLink {
  // Typed as a string, but fed from URLs, pasted text and JS callers: check anyway.
  const input: unknown = text;
  if (typeof input !== 'string') return opened(`the share link is not text; ${DEFAULT_OPENED}`);
  const value = linkValue(input.trim());
  if (value === null)
    return opened(`no Delay Lab experiment found in the link (expected '#${PARAM}=...'); ${DEFAULT_OPENED}`);
  const parts = value.split('.');
  const version = parts[0] ?? '';
  if (!/^\d{1,9}$/.test(version) || Number(version) < 1)
    return opened(
      `the link's version '${version.slice(0, 20)}' is not a Delay Lab link version; ${DEFAULT_OPENED}`,
    );
  if (Number(version) > LINK_VERSION)
    return opened(
      `the link was made by a newer Delay Lab (link version ${Number(version)}); ${DEFAULT_OPENED}`,
    );
  if (parts.length < 3 || parts.length > 4)
    return opened(`the link is damaged (expected version.preset.check.settings); ${DEFAULT_OPENED}`);
  const [, baseName = '', check = '', settings = ''] = parts;
  const base = hasOwn(PRESETS, baseName) ? preset(baseName) : undefined;
  if (!base)
    return opened(
      `the link starts from a preset this Delay Lab does not have ('${baseName.slice(0, 40)}'); ${DEFAULT_OPENED}`,
    );
  if (settings.length > MAX_SETTINGS_CHARS)
    return opened(`the link's settings are too long (${settings.length} characters); ${DEFAULT_OPENED}`);
  let change: unknown = {};
  if (settings !== '') {
    const bytes = fromBase64Url(settings);
    if (!bytes)
      return opened(`the link's settings are damaged or cut off (not base64url); ${DEFAULT_OPENED}`);
    try {
      change = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return opened(`the link's settings are damaged or cut off (not readable JSON); ${DEFAULT_OPENED}`);
    }
  }
  if (!isObject(change)) {
    const got = Array.isArray(change) ? 'a list' : change === null ? 'null' : `a ${typeof change}`;
    return opened(`the link's settings are ${got}, not a set of named settings; ${DEFAULT_OPENED}`);
  }
  const { config, ignored } = applyRepaired(base, baseName, change);
  if (config === null) return { config: base, ignored, base: baseName };
  // Only when nothing was dropped: a repaired config differs from the shared one by design, and
  // that has been said field by field already.
  if (ignored.length === 0 && check !== '' && configCheck(config) !== check) {
    ignored.push(
      `this link was made by a different Delay Lab release whose '${baseName}' preset or defaults differ, so the experiment opened may not be exactly the one shared`,
    );
  }
  return { config, ignored, base: baseName };
}

/**
 * Lays the link's fields over the preset, then, while the result is invalid, puts back the
 * preset's value where a problem points (a field of the link that is itself bad), or, for a
 * problem at a field the link did not touch (two settings that disagree, such as a shorter
 * simulation than the task's target times), the one link field whose removal clears it. Fields
 * unknown to this Delay Lab are dropped last. Returns config null (with a message) if no
 * consistent config is found.
 */
function applyRepaired(
  base: ExperimentConfig,
  baseName: string,
  change: JsonObject,
): { config: ExperimentConfig | null; ignored: string[] } {
  const merged = applyDiff(base, change);
  const ignored: string[] = [];
  const reverted: Path[] = [];
  const kept = `kept the '${baseName}' preset's`;
  const revert = (path: Path): void => {
    setAt(merged, path, valueAt(base, path));
    reverted.push(path);
  };
  const giveUp = (problem: string): { config: null; ignored: string[] } => ({
    config: null,
    ignored: [
      `the link's settings could not be made consistent (${problem}); opened the '${baseName}' preset unchanged`,
    ],
  });

  for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
    const { config, problems } = problemsOf(merged);
    if (config) {
      for (const path of unknownPaths(change, config, reverted))
        ignored.push(`${pathText(path)}: not a setting this Delay Lab knows; ignored`);
      return { config, ignored };
    }
    // Problems at a field the link set: putting the preset's value back there is the first try.
    const direct = new Map<string, { path: Path; problems: string[] }>();
    const crossField: string[] = [];
    for (const problem of problems) {
      const path = problemPath(problem);
      const target = path === null ? [] : revertTarget(merged, base, path);
      if (target.length === 0 || sameJson(valueAt(merged, target), valueAt(base, target))) {
        crossField.push(problem);
        continue;
      }
      const key = pathText(target);
      const entry = direct.get(key) ?? { path: target, problems: [] };
      entry.problems.push(problem);
      direct.set(key, entry);
    }
    const clearing: { path: Path; problems: string[] }[] = [];
    const stubborn: { path: Path; problems: string[] }[] = [];
    for (const entry of direct.values()) {
      // A field set to a fine value can still be named by a problem another field causes (a
      // maxDelay above a shortened timeSteps): then the other field is the one to drop.
      const after = problemsOf(withPresetValue(merged, base, entry.path)).problems;
      (entry.problems.some((p) => stillThere(after, p)) ? stubborn : clearing).push(entry);
    }
    if (clearing.length > 0) {
      // All at once: problems elsewhere are often their consequences (a bad kind makes the
      // validator read the default kind's fields) and vanish with them.
      for (const { path, problems: found } of withoutNested(clearing)) {
        revert(path);
        ignored.push(directMessage(path, found, kept));
      }
      continue;
    }
    let culprit: { path: Path; problem: string } | null = null;
    for (const problem of [...crossField, ...stubborn.flatMap((e) => e.problems)]) {
      const path = findCulprit(merged, base, problem);
      if (path) {
        culprit = { path, problem };
        break;
      }
    }
    if (culprit) {
      revert(culprit.path);
      ignored.push(
        `${pathText(culprit.path)}: ignored, it conflicts with the rest of the experiment (${culprit.problem}); ${kept} value`,
      );
      continue;
    }
    // No single field explains it: drop the link's bad fields anyway and look again.
    if (stubborn.length === 0) return giveUp(problems[0] ?? 'no reason given');
    for (const { path, problems: found } of withoutNested(stubborn)) {
      revert(path);
      ignored.push(directMessage(path, found, kept));
    }
  }
  return giveUp(`still invalid after ${MAX_REPAIR_ROUNDS} repairs`);
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((k, i) => k === path[i]);
}

/**
 * Fields to put back, leaving out those inside another one that is put back whole (a layer the
 * preset lacks takes the whole layer list back): one message for it, counting their problems.
 */
function withoutNested(entries: { path: Path; problems: string[] }[]): { path: Path; problems: string[] }[] {
  const outer = entries.filter(
    (e) => !entries.some((o) => o !== e && o.path.length < e.path.length && isPrefix(o.path, e.path)),
  );
  return outer.map((o) => ({
    path: o.path,
    // Its own problems first: they say why the whole of it goes.
    problems: [o, ...entries.filter((e) => e !== o && isPrefix(o.path, e.path))].flatMap((e) => e.problems),
  }));
}

/** `merged` with the preset's value put back at `path`, as a copy. */
function withPresetValue(merged: unknown, base: unknown, path: Path): unknown {
  const trial = structuredClone(merged);
  setAt(trial, path, valueAt(base, path));
  return trial;
}

/** Whether `problems` still hold a problem at the path `problem` names (the same text if it names none). */
function stillThere(problems: string[], problem: string): boolean {
  const at = problemPath(problem);
  return problems.some((p) => (at === null ? p === problem : sameJson(problemPath(p), at)));
}

function directMessage(path: Path, problems: string[], kept: string): string {
  const [first = pathText(path), ...more] = problems;
  const what = sameJson(problemPath(first), path) ? 'value' : pathText(path);
  const also = more.length > 0 ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''} there)` : '';
  return `${first}${also}; ignored the link's ${what} and ${kept}`;
}

/**
 * The field to put back for a problem at `path`: the path itself, or, where the preset has no
 * such field (a layer the preset lacks, a field of a task of another kind), the nearest enclosing
 * field the preset does have, which is then put back whole.
 */
function revertTarget(merged: unknown, base: unknown, path: Path): Path {
  const target: Path = [];
  let m = merged;
  let b = base;
  for (const key of path) {
    if (!sameShape(m, b) || !hasOwn(b, key)) break;
    target.push(key);
    m = child(m, key);
    b = child(b, key);
  }
  return target;
}

/** The fields where `merged` differs from `base`, as finely as they can be put back one by one. */
function changedFields(merged: unknown, base: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (sameJson(merged, base)) return out;
  if (isObject(merged) && isObject(base) && sameShape(merged, base)) {
    // Keys the preset lacks are unknown ones: the validator never reads them.
    for (const key of Object.keys(merged))
      if (hasOwn(base, key)) changedFields(merged[key], base[key], [...path, key], out);
  } else if (
    Array.isArray(merged) &&
    Array.isArray(base) &&
    merged.length === base.length &&
    [...merged, ...base].every(isObject)
  ) {
    // Layers: one layer's bad field need not cost the others.
    merged.forEach((m, i) => changedFields(m, base[i], [...path, i], out));
  } else {
    out.push(path);
  }
  return out;
}

/** The link field whose removal clears every problem at the path `problem` names, or null. */
function findCulprit(merged: unknown, base: unknown, problem: string): Path | null {
  for (const candidate of changedFields(merged, base)) {
    if (candidate.length === 0) continue;
    if (!stillThere(problemsOf(withPresetValue(merged, base, candidate)).problems, problem)) return candidate;
  }
  return null;
}

/** Keys of the link that the validated config does not have (outside fields already put back). */
function unknownPaths(
  change: unknown,
  config: unknown,
  reverted: Path[],
  path: Path = [],
  out: Path[] = [],
): Path[] {
  const isReverted = (p: Path): boolean => reverted.some((r) => isPrefix(r, p));
  if (isObject(change)) {
    for (const key of Object.keys(change)) {
      const p = [...path, key];
      if (isReverted(p)) continue;
      if (!isObject(config) || !hasOwn(config, key)) out.push(p);
      else unknownPaths(change[key], config[key], reverted, p, out);
    }
  } else if (Array.isArray(change) && Array.isArray(config)) {
    change.forEach((c, i) => {
      if (i < config.length && !isReverted([...path, i]))
        unknownPaths(c, config[i], reverted, [...path, i], out);
    });
  }
  return out;
}
