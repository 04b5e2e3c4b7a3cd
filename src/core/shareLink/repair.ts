import {
  ConfigError,
  configProblem,
  isPlainObject,
  formatConfigPath,
  validateExperiment,
  type ConfigPath,
  type ConfigPathSegment,
  type ConfigProblem,
  type ExperimentConfig,
} from '../experiment.ts';
import {
  applyDiff,
  child,
  hasOwn,
  isPrefix,
  sameJson,
  sameShape,
  setAt,
  valueAt,
  type JsonObject,
} from './json.ts';

/**
 * Lenient application of a share link's settings: what does not validate is put back to the
 * preset's value field by field, and each step is told in `ignored`. It goes by the paths of the
 * validator's problems only (never by their wording), so messages can change freely.
 */

/**
 * Repair rounds before giving up. Each round puts back at least one field that differs from the
 * base preset, so the loop ends anyway; the cap only bounds the work on a pathological link.
 */
const MAX_REPAIR_ROUNDS = 64;

/** A field to put back, with the problems that point at it (or inside it). */
interface FieldProblems {
  path: ConfigPath;
  problems: ConfigProblem[];
}

/** Checks a config; the problems, or an empty list when it is valid. */
export function problemsOf(raw: unknown): {
  config: ExperimentConfig | null;
  problems: readonly ConfigProblem[];
} {
  try {
    return { config: validateExperiment(raw), problems: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { config: null, problems: e.problems };
    // Not expected from validateExperiment; decoding still must not throw.
    return {
      config: null,
      problems: [configProblem([], 'unchecked', `could not be checked (${String(e)})`)],
    };
  }
}

/**
 * Lays the link's fields over the preset, then, while the result is invalid, puts back the
 * preset's value where a problem points (a field of the link that is itself bad), or, for a
 * problem at a field the link did not touch (two settings that disagree, such as a shorter
 * simulation than the task's target times), the one link field whose removal clears it. Fields
 * unknown to this Delay Lab are dropped last. Returns config null (with a message) if no
 * consistent config is found.
 */
export function applyRepaired(
  base: ExperimentConfig,
  baseName: string,
  change: JsonObject,
): { config: ExperimentConfig | null; ignored: string[] } {
  const merged = applyDiff(base, change);
  const ignored: string[] = [];
  const reverted: ConfigPath[] = [];
  const kept = `kept the '${baseName}' preset's`;
  const revert = (path: ConfigPath): void => {
    setAt(merged, path, valueAt(base, path));
    reverted.push(path);
  };
  const giveUp = (reason: string): { config: null; ignored: string[] } => ({
    config: null,
    ignored: [
      `the link's settings could not be made consistent (${reason}); opened the '${baseName}' preset unchanged`,
    ],
  });

  for (let round = 0; round < MAX_REPAIR_ROUNDS; round++) {
    const { config, problems } = problemsOf(merged);
    if (config) {
      for (const path of unknownPaths(change, config, reverted))
        ignored.push(`${formatConfigPath(path)}: not a setting this Delay Lab knows; ignored`);
      return { config, ignored };
    }
    // Problems at a field the link set: putting the preset's value back there is the first try.
    const direct = new Map<string, FieldProblems>();
    const crossField: ConfigProblem[] = [];
    for (const problem of problems) {
      const target = revertTarget(merged, base, problem.path);
      if (target.length === 0 || sameJson(valueAt(merged, target), valueAt(base, target))) {
        crossField.push(problem);
        continue;
      }
      const key = formatConfigPath(target);
      const entry = direct.get(key) ?? { path: target, problems: [] };
      entry.problems.push(problem);
      direct.set(key, entry);
    }
    const clearing: FieldProblems[] = [];
    const stubborn: FieldProblems[] = [];
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
    let culprit: { path: ConfigPath; problem: ConfigProblem } | null = null;
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
        `${formatConfigPath(culprit.path)}: ignored, it conflicts with the rest of the experiment (${culprit.problem.message}); ${kept} value`,
      );
      continue;
    }
    // No single field explains it: drop the link's bad fields anyway and look again.
    if (stubborn.length === 0) return giveUp(problems[0]?.message ?? 'no reason given');
    for (const { path, problems: found } of withoutNested(stubborn)) {
      revert(path);
      ignored.push(directMessage(path, found, kept));
    }
  }
  return giveUp(`still invalid after ${MAX_REPAIR_ROUNDS} repairs`);
}

/**
 * Fields to put back, leaving out those inside another one that is put back whole (a layer the
 * preset lacks takes the whole layer list back): one message for it, counting their problems.
 */
function withoutNested(entries: FieldProblems[]): FieldProblems[] {
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
function withPresetValue(merged: unknown, base: unknown, path: ConfigPath): unknown {
  const trial = structuredClone(merged);
  setAt(trial, path, valueAt(base, path));
  return trial;
}

/** Whether `problems` still hold a problem at the path `problem` points to (whatever it says). */
function stillThere(problems: readonly ConfigProblem[], problem: ConfigProblem): boolean {
  return problems.some((p) => sameJson(p.path, problem.path));
}

function directMessage(path: ConfigPath, problems: ConfigProblem[], kept: string): string {
  const [first, ...more] = problems;
  // "the link's value" when the first problem is at the field itself, else the field put back.
  const what = first === undefined || sameJson(first.path, path) ? 'value' : formatConfigPath(path);
  const also = more.length > 0 ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''} there)` : '';
  return `${first?.message ?? formatConfigPath(path)}${also}; ignored the link's ${what} and ${kept} ${what}`;
}

/**
 * The field to put back for a problem at `path`: the path itself, or, where the preset has no
 * such field (a layer the preset lacks, a field of a task of another kind), the nearest enclosing
 * field the preset does have, which is then put back whole.
 */
function revertTarget(merged: unknown, base: unknown, path: ConfigPath): ConfigPath {
  const target: ConfigPathSegment[] = [];
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
function changedFields(
  merged: unknown,
  base: unknown,
  path: ConfigPath = [],
  out: ConfigPath[] = [],
): ConfigPath[] {
  if (sameJson(merged, base)) return out;
  if (isPlainObject(merged) && isPlainObject(base) && sameShape(merged, base)) {
    // Keys the preset lacks are unknown ones: the validator never reads them.
    for (const key of Object.keys(merged))
      if (hasOwn(base, key)) changedFields(merged[key], base[key], [...path, key], out);
  } else if (
    Array.isArray(merged) &&
    Array.isArray(base) &&
    merged.length === base.length &&
    [...merged, ...base].every(isPlainObject)
  ) {
    // Layers: one layer's bad field need not cost the others.
    merged.forEach((m, i) => changedFields(m, base[i], [...path, i], out));
  } else {
    out.push(path);
  }
  return out;
}

/** The link field whose removal clears every problem at the path `problem` points to, or null. */
function findCulprit(merged: unknown, base: unknown, problem: ConfigProblem): ConfigPath | null {
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
  reverted: ConfigPath[],
  path: ConfigPath = [],
  out: ConfigPath[] = [],
): ConfigPath[] {
  const isReverted = (p: ConfigPath): boolean => reverted.some((r) => isPrefix(r, p));
  if (isPlainObject(change) && Array.isArray(config)) {
    // A list patched element by element (json.ts isListPatch).
    for (const [key, c] of Object.entries(change)) {
      const i = Number(key);
      const p = [...path, Number.isInteger(i) ? i : key];
      if (isReverted(p)) continue;
      if (!Number.isInteger(i) || i < 0 || i >= config.length) out.push(p);
      else unknownPaths(c, config[i], reverted, p, out);
    }
  } else if (isPlainObject(change)) {
    for (const key of Object.keys(change)) {
      const p = [...path, key];
      if (isReverted(p)) continue;
      if (!isPlainObject(config) || !hasOwn(config, key)) out.push(p);
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
