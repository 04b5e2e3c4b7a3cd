import { createContext, useContext } from 'react';
import type { ConfigPathSegment, ConfigProblem } from '../../core/experiment.ts';

/**
 * Which editor field a config problem belongs to, decided by the problem's path (never by its
 * wording). A field names the config field it edits; the editor sets some fields on every layer
 * at once, so a field's path may hold EVERY_INDEX where the layer index goes.
 */
export const EVERY_INDEX: unique symbol = Symbol('every index');

export type FieldPath = readonly (ConfigPathSegment | typeof EVERY_INDEX)[];

/**
 * The problems at `field` or inside it (a problem at `task.encoder.step` belongs to the field
 * that edits `task.encoder`); problems at an enclosing object are not the field's.
 */
export function problemsAtField(problems: readonly ConfigProblem[], field: FieldPath): ConfigProblem[] {
  return problems.filter(
    (p) =>
      p.path.length >= field.length &&
      field.every((segment, i) =>
        segment === EVERY_INDEX ? typeof p.path[i] === 'number' : segment === p.path[i],
      ),
  );
}

/** The problems of the last refused edit, for the fields below to find theirs. */
export const ConfigProblemsContext = createContext<readonly ConfigProblem[]>([]);

/** The first problem at the field (undefined when it has none, or names no config field). */
export function useFieldProblem(field: FieldPath | undefined): ConfigProblem | undefined {
  const problems = useContext(ConfigProblemsContext);
  return field === undefined ? undefined : problemsAtField(problems, field)[0];
}
