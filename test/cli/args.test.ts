// The strict parser: accepted forms, and every kind of bad command line as a UsageError.
import { type ArgSpec, parseArgs } from '../../lib/cli/args';
import { UsageError } from '../../lib/cli/errors';

const spec: ArgSpec = {
  positionals: [
    { name: 'IN', description: 'input' },
    { name: 'EXTRA', description: 'optional', optional: true },
  ],
  options: [
    { name: 'output', short: 'o', value: 'FILE', required: true, description: 'out' },
    { name: 'alpha', value: 'A', type: 'number', description: 'a number' },
    { name: 'include', value: 'REGEX', repeatable: true, description: 'repeatable' },
    { name: 'json', description: 'boolean' },
  ],
};

const usage = (argv: string[]) => {
  try {
    parseArgs(argv, spec);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(argv)}`);
};

test('long, short, inline and boolean forms; positionals anywhere', () => {
  const a = parseArgs(['--include', 'a', 'in.st', '-o', 'x', '--include=b=c', '--json', '--alpha=-0.5'], spec);
  expect(a.help).toBe(false);
  expect(a.positionals).toEqual(['in.st']);
  expect(a.string('output')).toBe('x');
  expect(a.list('include')).toEqual(['a', 'b=c']);
  expect(a.flag('json')).toBe(true);
  expect(a.number('alpha')).toBe(-0.5);
  expect(a.has('alpha')).toBe(true);
});

test('absent flags', () => {
  const a = parseArgs(['in', '-o', 'x'], spec);
  expect(a.flag('json')).toBe(false);
  expect(a.number('alpha')).toBeUndefined();
  expect(a.list('include')).toEqual([]);
  expect(a.has('alpha')).toBe(false);
});

test('a negative number is a value, not a flag', () => {
  expect(parseArgs(['in', '-o', 'x', '--alpha', '-1e-3'], spec).number('alpha')).toBe(-1e-3);
});

test('-- ends the flags: what follows is positional', () => {
  expect(parseArgs(['-o', 'x', '--', '--json'], spec).positionals).toEqual(['--json']);
});

test('--help or -h wins over everything else before --', () => {
  expect(parseArgs(['--bogus', '-h'], spec).help).toBe(true);
  expect(parseArgs(['--help'], spec).help).toBe(true);
  expect(() => parseArgs(['-o', 'x', '--', '--help'], spec)).not.toThrow();
  expect(parseArgs(['in', '-o', 'x', '--', '--help'], spec).help).toBe(false);
});

test.each([
  [['in', '-o', 'x', '--outptu', 'y'], 'unknown flag --outptu (did you mean --output?)'],
  [['in', '-o', 'x', '--zzz=1'], 'unknown flag --zzz'],
  [['in', '-o', 'x', '-x'], 'unknown flag -x'],
  [['in', '-ox'], 'unknown flag -ox'],
  [
    ['in', '-o'],
    '--output needs a value FILE (nothing follows it; write --output=VALUE for a value that starts with "-")',
  ],
  [
    ['in', '-o', '--json'],
    '--output needs a value FILE (got the flag "--json"; write --output=VALUE for a value that starts with "-")',
  ],
  [['in', '-o', ''], '--output needs a non-empty value FILE'],
  [['in', '-o', 'x', '-o', 'y'], '--output is given more than once'],
  [['in', '-o', 'x', '--json=yes'], '--json takes no value (got "--json=yes")'],
  [['in', '-o', 'x', '--alpha', '1x'], '--alpha expects a finite number, got "1x"'],
  [['in', '-o', 'x', '--alpha', '1e999'], '--alpha expects a finite number, got "1e999"'],
  [['in', '-o', 'x', '--alpha=0x10'], '--alpha expects a finite number, got "0x10"'],
  [['in'], 'missing --output FILE'],
  [['-o', 'x'], 'missing IN'],
  [['a', 'b', 'c', 'd', '-o', 'x'], 'unexpected arguments "c" "d"'],
])('%j: %s', (argv, message) => {
  expect(usage(argv)).toBe(message);
});

test('reading a flag the spec does not declare is a bug in the command, not a usage error', () => {
  const a = parseArgs(['in', '-o', 'x'], spec);
  expect(() => a.string('nope')).toThrow('internal: flag --nope is not declared');
  expect(() => a.flag('output')).toThrow('internal: flag --output is a string flag, read as boolean');
});
