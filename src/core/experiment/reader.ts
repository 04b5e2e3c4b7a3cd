import type { Option } from '../options.ts';
import {
  configProblem,
  describe,
  type ConfigPath,
  type ConfigProblem,
  type ConfigProblemCode,
} from './problems.ts';

export type Json = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface NumberBounds {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  int?: boolean;
}

/**
 * Reads fields of an untrusted object, collecting a problem for each one that does not fit
 * instead of stopping at the first. Every reader takes the path of the object it reads from;
 * what it reads with a bad field is a placeholder that lets the reading go on (the config is
 * rejected anyway).
 */
export class Reader {
  readonly problems: ConfigProblem[] = [];

  report(path: ConfigPath, code: ConfigProblemCode, detail: string): void {
    this.problems.push(configProblem(path, code, detail));
  }

  obj(value: unknown, path: ConfigPath): Json {
    if (isPlainObject(value)) return value;
    this.report(path, value === undefined ? 'required' : 'type', 'expected an object');
    return {};
  }

  num(o: Json, key: string, at: ConfigPath, bounds: NumberBounds = {}): number {
    const v = o[key];
    const path = [...at, key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.report(path, missingOr(v, 'type'), `expected a finite number, got ${describe(v)}`);
      return bounds.min ?? 1;
    }
    if (bounds.int && !Number.isInteger(v)) this.report(path, 'integer', `expected an integer, got ${v}`);
    if (bounds.min !== undefined && v < bounds.min)
      this.report(path, 'range', `must be >= ${bounds.min}, got ${v}`);
    if (bounds.gt !== undefined && v <= bounds.gt)
      this.report(path, 'range', `must be > ${bounds.gt}, got ${v}`);
    if (bounds.max !== undefined && v > bounds.max)
      this.report(path, 'range', `must be <= ${bounds.max}, got ${v}`);
    return v;
  }

  /** A number, or null where null means "not set" (no limit, the default). */
  nullableNum(o: Json, key: string, at: ConfigPath, bounds: NumberBounds = {}): number | null {
    return o[key] === null ? null : this.num(o, key, at, bounds);
  }

  bool(o: Json, key: string, at: ConfigPath): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') {
      this.report([...at, key], missingOr(v, 'type'), `expected true or false, got ${describe(v)}`);
      return false;
    }
    return v;
  }

  str(o: Json, key: string, at: ConfigPath): string {
    const v = o[key];
    if (typeof v !== 'string') {
      this.report([...at, key], missingOr(v, 'type'), `expected a string, got ${describe(v)}`);
      return '';
    }
    return v;
  }

  /** One of the option list's values; its first value when the field holds none of them. */
  oneOf<V extends string>(o: Json, key: string, at: ConfigPath, options: readonly Option<V>[]): V {
    const v = o[key];
    const chosen = options.find((option) => option.value === v);
    if (chosen) return chosen.value;
    const allowed = options.map((option) => option.value).join(', ');
    this.report([...at, key], missingOr(v, 'enum'), `expected one of ${allowed}, got ${describe(v)}`);
    return options[0]!.value;
  }

  numArray(o: Json, key: string, at: ConfigPath): number[] {
    const v = o[key];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      this.report([...at, key], missingOr(v, 'type'), `expected an array of numbers, got ${describe(v)}`);
      return [];
    }
    return v as number[];
  }
}

/** 'required' for a missing field, else the code of what is wrong with the value there. */
function missingOr(value: unknown, code: ConfigProblemCode): ConfigProblemCode {
  return value === undefined ? 'required' : code;
}
