/** Minimal `--flag value` / `--switch` parser with errors that name the flag. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedArgs {
  command: string | undefined;
  flags: Map<string, string | true>;
  /** Arguments after the command that are not flags (e.g. `report`'s run folders). */
  operands: string[];
}

export function parseArgs(argv: readonly string[], switches: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  let command: string | undefined;
  const operands: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (switches.includes(name)) flags.set(name, true);
      else {
        const v = argv[k + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
        k++;
      }
    } else if (command === undefined) command = a;
    else operands.push(a);
  }
  return { command, flags, operands };
}

export function intFlag(flags: ParsedArgs['flags'], name: string, min: number): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min}, got '${String(v)}'`);
  return n;
}

export function checkKnown(flags: ParsedArgs['flags'], known: readonly string[]): void {
  for (const k of flags.keys())
    if (!known.includes(k))
      throw new UsageError(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`);
}

/** A flag that needs a string value, or undefined when absent. */
export function stringFlag(flags: ParsedArgs['flags'], name: string, what: string): string | undefined {
  const v = flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs ${what}`);
  return v;
}
