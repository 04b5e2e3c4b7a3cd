import { unknownKeyProblems } from '../core/experiment/unknownKeys.ts';
import { readFileSync } from 'node:fs';
import { ConfigError, mergeConfig, validateExperiment, type ExperimentConfig } from '../core/experiment.ts';
import { PRESETS, preset } from '../core/presets.ts';
import { decodeShareLink } from '../core/shareLink.ts';
import { UsageError } from './args.ts';

/** A playground share link (or its fragment) rather than a preset name or file path. */
function isShareLink(spec: string): boolean {
  return spec.includes('#x=') || /^https?:\/\//i.test(spec);
}

/**
 * The config a share link holds, exactly, or a UsageError.
 *
 * The playground opens a damaged or partly invalid link anyway, with what it dropped listed, so
 * that a person can look and fix it. The CLI refuses instead: it is how a shared experiment is
 * reproduced headless, often in a script or a batch job nobody watches, and a run of a config
 * that silently differs from the shared one (fields reverted to the preset, or a fallback to the
 * default experiment) yields numbers that look like a reproduction and are not. A warning on
 * stderr would be lost in such runs; exit 2 with the list is not.
 */
function loadShareLink(link: string): ExperimentConfig {
  const { config, ignored } = decodeShareLink(link);
  if (ignored.length > 0) {
    throw new UsageError(
      `the share link cannot be reproduced exactly:\n  ${ignored.join('\n  ')}\n` +
        '(open it in the playground to see and fix it, then share it again)',
    );
  }
  return config;
}

/**
 * Resolves `--config`: a built-in preset name, a share link from the playground (a URL or its
 * `#x=...` fragment), or a path to a JSON file holding a whole config or
 * `{"extends": "<preset>", ...overrides}`.
 */
export function loadConfig(spec: string): ExperimentConfig {
  if (isShareLink(spec)) return loadShareLink(spec);
  const builtIn = preset(spec);
  if (builtIn) return builtIn;
  if (!spec.endsWith('.json') && !spec.includes('/')) {
    throw new UsageError(
      `unknown preset '${spec}' (presets: ${Object.keys(PRESETS).join(', ')}; or give a path to a .json file or a share link)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read config file '${spec}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file '${spec}' is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'extends' in raw) {
    const { extends: base, ...rest } = raw as Record<string, unknown>;
    const basePreset = typeof base === 'string' ? preset(base) : undefined;
    if (!basePreset)
      throw new UsageError(
        `config file '${spec}': "extends" must name a preset (${Object.keys(PRESETS).join(', ')})`,
      );
    raw = mergeConfig(basePreset, rest);
  }
  try {
    const config = validateExperiment(raw);
    // A typo such as training.epoch would otherwise be ignored, and the run would use the default.
    const unknown = unknownKeyProblems(raw, config);
    if (unknown.length > 0) throw new ConfigError(unknown);
    return config;
  } catch (e) {
    if (e instanceof ConfigError)
      throw new UsageError(
        `config file '${spec}' is invalid:\n  ${e.problems.map((p) => p.message).join('\n  ')}`,
      );
    throw e;
  }
}
