/**
 * Config problems as data. Everything that acts on a problem (the share-link decoder putting a
 * field back, the playground marking a field) goes by its `path` and `code`; the `message` is
 * for people and may be reworded freely.
 */

/** One step into a config: an object key or an array index. */
export type ConfigPathSegment = string | number;

/**
 * Where a problem is, from the config's root: `['network', 'layers', 0, 'size']` is
 * `config.network.layers[0].size`; `[]` is the config itself.
 */
export type ConfigPath = readonly ConfigPathSegment[];

/**
 * What kind of problem it is (a closed set, so that code can act on it):
 * - `version`: a config version this Delay Lab cannot read (nothing else is checked then);
 * - `required`: the field is missing;
 * - `type`: the field holds the wrong kind of JSON value (a string for a number, ...);
 * - `enum`: not one of the allowed choices (see options.ts);
 * - `integer`: a whole number was expected;
 * - `range`: a number (or a list's length) outside its bounds, which may depend on another
 *   field (maxDelay <= timeSteps);
 * - `cross-field`: fine on its own, but inconsistent with another field (low > high, an output
 *   layer that does not match the task's classes); the path names one of the fields involved;
 * - `dataset`: the config does not fit the data set it is trained on;
 * - `unchecked`: the check itself failed, so nothing is known about the config;
 * - `unknown`: a key this Delay Lab does not read (a typo such as `training.epoch`, or a field of
 *   another version): refused in config files rather than silently ignored.
 */
export type ConfigProblemCode =
  | 'version'
  | 'required'
  | 'type'
  | 'enum'
  | 'integer'
  | 'range'
  | 'cross-field'
  | 'dataset'
  | 'unchecked'
  | 'unknown';

export interface ConfigProblem {
  readonly path: ConfigPath;
  readonly code: ConfigProblemCode;
  /** A sentence for people, starting with the path: `config.network.layers[0].size: must be >= 1, got 0`. */
  readonly message: string;
}

/** `config.network.layers[0].size` for `['network', 'layers', 0, 'size']`. */
export function formatConfigPath(path: ConfigPath): string {
  return `config${path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('')}`;
}

/** A problem at `path`, its message being the path followed by `detail`. */
export function configProblem(path: ConfigPath, code: ConfigProblemCode, detail: string): ConfigProblem {
  return { path, code, message: `${formatConfigPath(path)}: ${detail}` };
}

/** Thrown when a config cannot be used; `problems` lists every problem found, as data. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    // One problem a line: the CLI prints this message as it is.
    super(`invalid experiment config:\n  ${problems.map((p) => p.message).join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A short rendering of an untrusted value for error messages (at most 40 characters of JSON). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  // JSON has no Infinity or NaN (1e999 parses to Infinity), and would print them as null.
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (not a finite number)`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}
