/**
 * A small strict command-line parser: every flag must be declared, every value-taking flag must get a value,
 * and anything else is a `UsageError` (exit code 2) that says what was wrong.
 *
 * Accepted forms: `--name value`, `--name=value`, `-n value`, boolean `--name` / `-n`, repeatable flags
 * given several times, positionals anywhere, and `--` to end the flags. Not accepted: bundled short flags
 * (`-abc`), attached short values (`-ofile`), a flag given twice unless repeatable, a value that looks like a
 * flag (`--grads --json` is a missing value, not a file named `--json`; write `--include=-x` for such a value).
 */
import { UsageError } from './errors';

/** One flag of a command. */
export interface OptionSpec {
  /** Long name without dashes: `criterion` is `--criterion`. */
  name: string;
  /** One-letter alias without the dash: `o` is `-o`. */
  short?: string;
  /** The value's placeholder in help (`NAME`, `FILE`); absent for a boolean flag. */
  value?: string;
  /** How the value is checked; default `string`. */
  type?: 'string' | 'number';
  /** May be given more than once; the values are collected in order. */
  repeatable?: boolean;
  required?: boolean;
  description: string;
}

/** One positional argument of a command. */
export interface PositionalSpec {
  /** Placeholder in help and errors: `MODEL.safetensors`. */
  name: string;
  description: string;
  optional?: boolean;
}

/** Everything a command accepts. `-h`/`--help` is implicit. */
export interface ArgSpec {
  positionals: PositionalSpec[];
  options: OptionSpec[];
}

/** The outcome of parsing a command line against an `ArgSpec`. */
export class ParsedArgs {
  constructor(
    /** `-h` or `--help` was given: the caller prints help and ignores the rest. */
    readonly help: boolean,
    readonly positionals: readonly string[],
    private readonly values: ReadonlyMap<string, readonly string[]>,
    private readonly spec: ArgSpec,
  ) {}

  /** The value of a single-valued string flag, or undefined when absent. */
  string(name: string): string | undefined {
    return this.get(name, 'string').at(-1);
  }

  /** The value of a `type: 'number'` flag, or undefined when absent (the parser checked it is a finite number). */
  number(name: string): number | undefined {
    const raw = this.get(name, 'number').at(-1);
    return raw === undefined ? undefined : Number(raw);
  }

  /** Whether a boolean flag was given. */
  flag(name: string): boolean {
    return this.get(name, 'boolean').length > 0;
  }

  /** Every value of a repeatable flag, in command-line order. */
  list(name: string): string[] {
    return [...this.get(name, 'string')];
  }

  /** Whether a flag of any kind was given. */
  has(name: string): boolean {
    return (this.values.get(name)?.length ?? 0) > 0;
  }

  private get(name: string, kind: 'string' | 'number' | 'boolean'): readonly string[] {
    const option = this.spec.options.find((o) => o.name === name);
    // A typo in a command's own code, not in the user's command line: fail loudly.
    if (option === undefined) throw new Error(`internal: flag --${name} is not declared`);
    const actual = option.value === undefined ? 'boolean' : (option.type ?? 'string');
    if (actual !== kind) throw new Error(`internal: flag --${name} is a ${actual} flag, read as ${kind}`);
    return this.values.get(name) ?? [];
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A token that is a flag rather than a value: starts with `-`, is not `-` alone, is not a negative number. */
function looksLikeFlag(token: string): boolean {
  return token.startsWith('-') && token !== '-' && !NUMBER.test(token);
}

function flagName(option: OptionSpec): string {
  return `--${option.name}`;
}

/**
 * Parses `argv` (the arguments after the subcommand) against `spec`.
 * @throws UsageError for an unknown flag, a missing or malformed value, a repeated flag, a missing required
 *   flag or positional, or too many positionals. `-h`/`--help` anywhere before `--` wins over every error.
 * @example
 * const args = parseArgs(['m.safetensors', '--criterion', 'snip', '-o', 's.safetensors'], spec);
 * args.string('criterion'); // 'snip'
 */
export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const end = argv.indexOf('--');
  const flagPart = end === -1 ? argv : argv.slice(0, end);
  // Help first, so `prunekit score --bogus --help` still shows help.
  if (flagPart.some((t) => t === '-h' || t === '--help')) return new ParsedArgs(true, [], new Map(), spec);

  const values = new Map<string, string[]>();
  const positionals: string[] = [];
  const byLong = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(spec.options.filter((o) => o.short !== undefined).map((o) => [o.short as string, o]));

  for (let i = 0; i < flagPart.length; i++) {
    const token = flagPart[i];
    if (!looksLikeFlag(token)) {
      positionals.push(token);
      continue;
    }
    let option: OptionSpec | undefined;
    let inline: string | undefined;
    if (token.startsWith('--')) {
      const eq = token.indexOf('=');
      const name = eq === -1 ? token.slice(2) : token.slice(2, eq);
      if (eq !== -1) inline = token.slice(eq + 1);
      option = byLong.get(name);
    } else if (token.length === 2) {
      option = byShort.get(token[1]);
    }
    if (option === undefined) throw new UsageError(unknownFlag(token, spec));

    const shown = flagName(option);
    let value: string;
    if (option.value === undefined) {
      if (inline !== undefined) throw new UsageError(`${shown} takes no value (got "${token}")`);
      value = '';
    } else if (inline !== undefined) {
      value = inline;
    } else {
      const next = flagPart[i + 1];
      if (next === undefined || looksLikeFlag(next)) {
        const got = next === undefined ? 'nothing follows it' : `got the flag "${next}"`;
        throw new UsageError(
          `${shown} needs a value ${option.value} (${got}; write ${shown}=VALUE for a value that starts with "-")`,
        );
      }
      value = next;
      i++;
    }
    if (option.value !== undefined) checkValue(option, value);
    const seen = values.get(option.name) ?? [];
    if (seen.length > 0 && !option.repeatable) throw new UsageError(`${shown} is given more than once`);
    seen.push(value);
    values.set(option.name, seen);
  }
  if (end !== -1) positionals.push(...argv.slice(end + 1));

  for (const option of spec.options) {
    if (option.required && !values.has(option.name))
      throw new UsageError(`missing ${flagName(option)} ${option.value ?? ''}`.trimEnd());
  }
  const needed = spec.positionals.filter((p) => !p.optional).length;
  if (positionals.length < needed) throw new UsageError(`missing ${spec.positionals[positionals.length].name}`);
  if (positionals.length > spec.positionals.length) {
    const extra = positionals
      .slice(spec.positionals.length)
      .map((p) => JSON.stringify(p))
      .join(' ');
    throw new UsageError(`unexpected argument${positionals.length - spec.positionals.length > 1 ? 's' : ''} ${extra}`);
  }
  return new ParsedArgs(false, positionals, values, spec);
}

function checkValue(option: OptionSpec, value: string): void {
  if (value === '') throw new UsageError(`${flagName(option)} needs a non-empty value ${option.value}`);
  if (option.type === 'number' && (!NUMBER.test(value) || !Number.isFinite(Number(value))))
    throw new UsageError(`${flagName(option)} expects a finite number, got ${JSON.stringify(value)}`);
}

/** "unknown flag --critrion (did you mean --criterion?)". */
function unknownFlag(token: string, spec: ArgSpec): string {
  const name = token.replace(/^-+/, '').split('=')[0];
  const candidates = spec.options.map((o) => o.name).concat('help');
  const best = candidates
    .map((c) => ({ c, d: editDistance(name, c) }))
    .filter(({ c, d }) => d <= Math.max(1, Math.floor(c.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return `unknown flag ${token.split('=')[0]}${best ? ` (did you mean --${best.c}?)` : ''}`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
