import { readFileSync } from 'node:fs';
import { ConfigError, mergeConfig, validateExperiment, type ExperimentConfig } from '../core/experiment.ts';
import { PRESETS, preset } from '../core/presets.ts';
import { UsageError } from './args.ts';

/**
 * Resolves `--config`: a built-in preset name, or a path to a JSON file holding a whole config
 * or `{"extends": "<preset>", ...overrides}`.
 */
export function loadConfig(spec: string): ExperimentConfig {
  const builtIn = preset(spec);
  if (builtIn) return builtIn;
  if (!spec.endsWith('.json') && !spec.includes('/')) {
    throw new UsageError(
      `unknown preset '${spec}' (presets: ${Object.keys(PRESETS).join(', ')}; or give a path to a .json file)`,
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
    return validateExperiment(raw);
  } catch (e) {
    if (e instanceof ConfigError)
      throw new UsageError(`config file '${spec}' is invalid:\n  ${e.problems.join('\n  ')}`);
    throw e;
  }
}
