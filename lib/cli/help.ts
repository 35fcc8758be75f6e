/**
 * Help text, generated from the same `ArgSpec` the parser enforces, so the two cannot drift apart.
 * Nothing here loads the native addon.
 */
import type { OptionSpec } from './args';
import type { Command } from './command';

/** The exit codes, printed in every help text. */
export const EXIT_CODES_TEXT =
  'Exit codes: 0 success, 1 error, 2 usage error. PRUNEKIT_DEBUG=1 adds stack traces to errors.';

function optionLabel(option: OptionSpec): string {
  const long = `--${option.name}${option.value ? ` ${option.value}` : ''}`;
  return option.short ? `-${option.short}, ${long}` : `    ${long}`;
}

/** Help paragraphs are wrapped to this width; commands write them as one long string each. */
const WIDTH = 100;

/** Greedy word wrap (a word longer than the width stays whole). */
function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Two columns, the left one padded to its widest entry; long right-hand texts stay on one line. */
function columns(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd());
}

/**
 * The full `--help` text of one command.
 * @example
 * io.stdout(commandHelp(command));
 */
export function commandHelp(command: Command): string {
  const lines: string[] = [];
  command.usage.forEach((u, i) => lines.push(`${i === 0 ? 'Usage: ' : '       '}${u}`));
  lines.push('', command.summary + '.');
  for (const paragraph of command.description ?? []) lines.push('', ...wrap(paragraph));
  if (command.args.positionals.length > 0) {
    lines.push('', 'Arguments:', ...columns(command.args.positionals.map((p) => [p.name, p.description])));
  }
  const options: Array<[string, string]> = command.args.options.map((o) => [
    optionLabel(o),
    o.description + (o.required ? ' (required)' : '') + (o.repeatable ? ' (repeatable)' : ''),
  ]);
  options.push(['-h, --help', 'Show this help']);
  lines.push('', 'Options:', ...columns(options));
  if (command.examples && command.examples.length > 0) {
    lines.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  }
  lines.push('', ...wrap(EXIT_CODES_TEXT), '');
  return lines.join('\n');
}

/**
 * The short hint printed after a usage error: the synopsis and where the full help is.
 * @example
 * io.stderr(`prunekit score: ${err.message}\n${usageHint(command)}`);
 */
export function usageHint(command: Command): string {
  const synopsis = command.usage.map((u, i) => `${i === 0 ? 'Usage: ' : '       '}${u}`).join('\n');
  return `${synopsis}\nRun 'prunekit ${command.name} --help' for details.\n`;
}

/** A command for the top-level list. */
export type CommandListing = { name: string; summary: string };

/**
 * The top-level `prunekit --help` text.
 * @example
 * io.stdout(topHelp(listings, '0.1.0'));
 */
export function topHelp(listings: CommandListing[], version: string): string {
  const lines = [
    `prunekit ${version}: neural-network pruning scores from the command line`,
    '',
    'Usage: prunekit <command> [options]',
    '       prunekit help <command>',
    '',
    'Commands:',
    ...columns(listings.map((l) => [l.name, l.summary])),
  ];
  lines.push(
    '',
    'Options:',
    ...columns([
      ['-h, --help', "Show this help; 'prunekit <command> --help' shows a command's"],
      ['-V, --version', 'Print the version'],
    ]),
    '',
    EXIT_CODES_TEXT,
    '',
  );
  return lines.join('\n');
}
