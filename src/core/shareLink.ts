import { isPlainObject, type ExperimentConfig } from './experiment.ts';
import { PRESETS, preset } from './presets.ts';
import { diff, hasOwn, NOT_CHANGED, type JsonObject } from './shareLink/json.ts';
import { flattenSettings, unflattenSettings } from './shareLink/readable.ts';
import { applyRepaired, problemsOf } from './shareLink/repair.ts';
import { configCheck, fromBase64Url, toBase64Url } from './shareLink/text.ts';

/**
 * Share links: an experiment config (seed included) packed into a URL fragment, readably.
 *
 * Readable form (LINK_VERSION 2), written whenever its settings are short enough
 * (READABLE_MAX_CHARS):
 *
 *   #x=2.<base>[&<path>=<value>...][&engine=<cpu|gpu|auto>]&c=<check>
 *
 *   e.g. #x=2.patterns&seed=5&network.layers.0.size=64&c=1x2y3z
 *
 * - base and check as below; the check comes last, so a link cut off anywhere lacks it and says
 *   so. The settings are the difference from the base preset as `path=value` pairs
 *   (shareLink/readable.ts); `engine` is the engine the sharer chose (not part of the config).
 *
 * Compact form (version 1), written when the readable settings would be long:
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
export const LINK_VERSION = 2;
/** The compact form's version (base64url JSON settings). */
export const COMPACT_LINK_VERSION = 1;
/** Longest readable settings part written; longer settings go in the compact form. */
const READABLE_MAX_CHARS = 600;
/** Most `path=value` pairs a readable link may hold (a pasted wall of text stays cheap). */
const MAX_READABLE_PAIRS = 500;
/** The engines a link may name. */
const LINK_ENGINES = ['cpu', 'gpu', 'auto'] as const;
export type LinkEngine = (typeof LINK_ENGINES)[number];

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
  /** The engine the link names, or null. */
  engine: LinkEngine | null;
}

/** The difference from the preset: readable pairs and compact JSON (both empty when none). */
function settingsOver(base: ExperimentConfig, config: unknown): { pairs: string[]; json: string } {
  const d = diff(base, config);
  return d === NOT_CHANGED ? { pairs: [], json: '' } : { pairs: flattenSettings(d), json: JSON.stringify(d) };
}

/** The config's own preset when its name is one, else the preset with the shortest settings. */
function chooseBase(config: ExperimentConfig): { baseName: string; pairs: string[]; json: string } {
  // hasOwn: a name such as 'constructor' must not find Object.prototype's.
  const named = hasOwn(PRESETS, config.name) ? PRESETS[config.name] : undefined;
  if (named) return { baseName: config.name, ...settingsOver(named, config) };
  let best = { baseName: DEFAULT_PRESET, ...settingsOver(PRESETS[DEFAULT_PRESET]!, config) };
  for (const [name, p] of Object.entries(PRESETS)) {
    const settings = settingsOver(p, config);
    if (settings.json.length < best.json.length) best = { baseName: name, ...settings };
  }
  return best;
}

/**
 * Packs a config into a share link: the full URL when `baseUrl` is given (its own fragment and
 * query are dropped), else just the fragment, starting with '#'.
 */
export function encodeShareLink(
  config: ExperimentConfig,
  baseUrl?: string,
  /** The engine to name in the link (readable form only). */
  engine: LinkEngine | null = null,
): string {
  // Normalise first (e.g. fields validateExperiment fills in), so that the decoded config, which
  // comes out of validateExperiment, matches the check. An invalid config is packed as it is: its
  // link opens with the invalid fields dropped and listed.
  const normal = problemsOf(structuredClone(config)).config ?? config;
  const { baseName, pairs, json } = chooseBase(normal);
  const check = configCheck(normal);
  const readable = [...pairs, ...(engine ? [`engine=${engine}`] : [])].join('&');
  let fragment: string;
  if (readable.length <= READABLE_MAX_CHARS) {
    fragment = `#${PARAM}=${LINK_VERSION}.${baseName}${readable ? `&${readable}` : ''}&c=${check}`;
  } else {
    const payload = json === '' ? '' : `.${toBase64Url(new TextEncoder().encode(json))}`;
    fragment = `#${PARAM}=${COMPACT_LINK_VERSION}.${baseName}.${check}${payload}`;
  }
  if (baseUrl === undefined) return fragment;
  return baseUrl.replace(/[?#].*$/s, '') + fragment;
}

function opened(message: string, base = DEFAULT_PRESET): DecodedShareLink {
  return { config: preset(base)!, ignored: [message], base, engine: null };
}

const DEFAULT_OPENED = 'opened the default experiment';

/**
 * The `x` value of a URL, a fragment, or a bare `x=...` (null when there is none), and the
 * fragment's other `&` parts (the readable form's settings).
 */
function linkParts(text: string): { value: string | null; rest: string[] } {
  const hashAt = text.indexOf('#');
  const fragment = hashAt >= 0 ? text.slice(hashAt + 1) : text;
  const parts = fragment.split('&');
  const at = parts.findIndex((p) => p.startsWith(`${PARAM}=`));
  if (at < 0) return { value: null, rest: [] };
  const raw = parts[at]!.slice(PARAM.length + 1);
  let value = raw;
  try {
    // Nothing in a link this module writes is escaped, but a mail client may escape anyway.
    value = decodeURIComponent(raw);
  } catch {
    // Kept as it is.
  }
  // The link's own parts: from x up to its check, which ends it (other parameters of the
  // fragment, before x or after the check, belong to someone else).
  const after = parts.slice(at + 1).filter((p) => p !== '');
  const end = after.findIndex((p) => p.startsWith('c='));
  return { value, rest: end < 0 ? after : after.slice(0, end + 1) };
}

/**
 * Reads a share link (a full URL, or its fragment with or without '#'). Never throws: what it
 * cannot apply is listed in `ignored`, and a link it cannot read at all opens the default preset.
 */
export function decodeShareLink(text: string): DecodedShareLink {
  try {
    return decodeLink(text);
  } catch (e) {
    // Nothing above is meant to throw; a pathological link (say, nested thousands deep) must
    // still open something, with a message, rather than break the page's start.
    return opened(
      `the link could not be read (${e instanceof Error ? e.message : String(e)}); ${DEFAULT_OPENED}`,
    );
  }
}

/** Too deeply nested: no config field is nested deeper than this (path segments or JSON levels). */
const MAX_DEPTH = 16;

function depthOf(value: unknown, limit: number): number {
  if (limit <= 0 || typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, depthOf(v, limit - 1));
  return 1 + deepest;
}

function decodeLink(text: string): DecodedShareLink {
  // Typed as a string, but fed from URLs, pasted text and JS callers: check anyway.
  const input: unknown = text;
  if (typeof input !== 'string') return opened(`the share link is not text; ${DEFAULT_OPENED}`);
  const { value, rest } = linkParts(input.trim());
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
  if (Number(version) === LINK_VERSION) return decodeReadable(parts, rest);
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
  if (depthOf(change, MAX_DEPTH + 1) > MAX_DEPTH)
    return opened(
      `the link's settings are nested deeper than any setting (${MAX_DEPTH} levels); ${DEFAULT_OPENED}`,
    );
  if (!isPlainObject(change)) {
    const got = Array.isArray(change) ? 'a list' : change === null ? 'null' : `a ${typeof change}`;
    return opened(`the link's settings are ${got}, not a set of named settings; ${DEFAULT_OPENED}`);
  }
  return applied(base, baseName, change, [], check === '' ? null : check, null);
}

/** The link's settings laid over its preset, with what was dropped and a check of the result. */
function applied(
  base: ExperimentConfig,
  baseName: string,
  change: JsonObject,
  unread: string[],
  check: string | null,
  engine: LinkEngine | null,
): DecodedShareLink {
  const { config, ignored } = applyRepaired(base, baseName, change);
  ignored.unshift(...unread);
  if (config === null) return { config: base, ignored, base: baseName, engine };
  // Only when nothing was dropped: a repaired config differs from the shared one by design, and
  // that has been said field by field already.
  if (ignored.length === 0 && check !== null && configCheck(config) !== check) {
    ignored.push(
      `the experiment opened differs from the one shared: the link was edited, or made by a Delay Lab release whose '${baseName}' preset or defaults differ`,
    );
  }
  return { config, ignored, base: baseName, engine };
}

/** The readable form: `x=2.<base>` then `path=value` pairs, `engine=...` and `c=<check>`. */
function decodeReadable(parts: string[], rest: string[]): DecodedShareLink {
  if (parts.length !== 2)
    return opened(`the link is damaged (expected '${PARAM}=${LINK_VERSION}.<preset>'); ${DEFAULT_OPENED}`);
  const baseName = parts[1] ?? '';
  const base = hasOwn(PRESETS, baseName) ? preset(baseName) : undefined;
  if (!base)
    return opened(
      `the link starts from a preset this Delay Lab does not have ('${baseName.slice(0, 40)}'); ${DEFAULT_OPENED}`,
    );
  if (rest.length > MAX_READABLE_PAIRS || rest.join('&').length > MAX_SETTINGS_CHARS)
    return opened(`the link's settings are too long (${rest.length} parts); ${DEFAULT_OPENED}`);
  const unread: string[] = [];
  let check: string | null = null;
  let engine: LinkEngine | null = null;
  const settings: string[] = [];
  for (const part of rest) {
    if (part.startsWith('c=')) check = part.slice(2);
    else if (part.startsWith('engine=')) {
      const named = part.slice('engine='.length);
      const known = LINK_ENGINES.find((e) => e === named);
      if (known) engine = known;
      else unread.push(`engine '${named.slice(0, 20)}' is not cpu, gpu or auto; ignored`);
    } else settings.push(part);
  }
  const { change, ignored } = unflattenSettings(settings, MAX_DEPTH);
  unread.push(...ignored);
  if (check === null)
    unread.push(
      "the link has no check ('&c=...' at its end): it may be cut off, so the experiment may not be the one shared",
    );
  return applied(base, baseName, change, unread, check, engine);
}
