/**
 * The experiment config: one versioned, JSON-serialisable object that drives the CLI, the UI,
 * share links and files. This module is its public face; the parts live in ./experiment/:
 *
 * - types.ts: the config's types and version;
 * - problems.ts: ConfigProblem ({ path, code, message }) and ConfigError;
 * - validate.ts (with reader.ts, readLayer.ts, readTask.ts): validateExperiment, which checks an
 *   untrusted object field by field and reports every problem with its path;
 * - merge.ts: mergeConfig for config files that extend a preset.
 *
 * The closed sets of choices (kernel modes, losses, ...) are declared in ../options.ts.
 */
export {
  EXPERIMENT_VERSION,
  taskClasses,
  taskDatasetName,
  type DelayInit,
  type EventPropConfig,
  type EventPropLoss,
  type ExperimentConfig,
  type LayerConfig,
  type NeuronConfig,
  type OptimizerGroup,
  type TaskConfig,
  type TrainingMethod,
  type WeightInit,
} from './experiment/types.ts';
export {
  ConfigError,
  configProblem,
  describe,
  formatConfigPath,
  type ConfigPath,
  type ConfigPathSegment,
  type ConfigProblem,
  type ConfigProblemCode,
} from './experiment/problems.ts';
export { isPlainObject } from './experiment/reader.ts';
export { validateExperiment } from './experiment/validate.ts';
export { mergeConfig } from './experiment/merge.ts';
