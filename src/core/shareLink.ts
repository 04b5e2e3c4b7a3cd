import { isPlainObject, type ExperimentConfig } from './experiment.ts';
import { PRESETS, preset } from './presets.ts';
import { diff, hasOwn, NOT_CHANGED } from './shareLink/json.ts';
import { applyRepaired, problemsOf } from './shareLink/repair.ts';
import { configCheck, fromBase64Url, toBase64Url } from './shareLink/text.ts';

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
 * one by one and the rest is applied (shareLink/repair.ts). Every such step is listed in
 * `ignored`, in plain words.
 *
 * The parts: shareLink/json.ts (diff and patch of configs as JSON), shareLink/text.ts (check and
 * base64url), shareLink/repair.ts (lenient application of the settings).
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

export interface DecodedShareLink {
  /** A valid config: the link's, or as much of it as is valid, or a preset. */
  config: ExperimentConfig;
  /** Everything of the link that was not applied, each a sentence; empty when the link opened exactly. */
  ignored: string[];
  /** The preset the config was built on. */
  base: string;
}

function diffText(base: ExperimentConfig, config: unknown): string {
  const d = diff(base, config);
  return d === NOT_CHANGED ? '' : JSON.stringify(d);
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
  if (!isPlainObject(change)) {
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
