import { configProblem, type ConfigPath, type ConfigProblem } from './problems.ts';
import { isPlainObject } from './reader.ts';

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key nearest to `key` when it is close enough to be a typo (at most 1 edit in 3), else null. */
export function nearestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : null;
}

/**
 * Keys of an untrusted config (`raw`, as read from a file) that its validated form (`config`)
 * does not have: every field the validator reads is in `config`, so these are typos or fields of
 * another version. One `unknown` problem each, naming the nearest known key where one is close.
 */
export function unknownKeyProblems(raw: unknown, config: unknown, path: ConfigPath = []): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (isPlainObject(raw) && isPlainObject(config)) {
    const known = Object.keys(config);
    for (const key of Object.keys(raw)) {
      const at = [...path, key];
      if (Object.hasOwn(config, key)) {
        out.push(...unknownKeyProblems(raw[key], config[key], at));
        continue;
      }
      const near = nearestKey(key, known);
      out.push(
        configProblem(
          at,
          'unknown',
          `is not a field Delay Lab reads${near ? ` (did you mean "${near}"?)` : ''}`,
        ),
      );
    }
  } else if (Array.isArray(raw) && Array.isArray(config)) {
    raw.forEach((item, i) => {
      if (i < config.length) out.push(...unknownKeyProblems(item, config[i], [...path, i]));
    });
  }
  return out;
}
