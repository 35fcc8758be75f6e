/** The shape of a subcommand: its command-line surface (parsed and documented from one spec) and its handler. */
import type { ArgSpec, ParsedArgs } from './args';
import type { CliIo } from './io';

/**
 * One `prunekit <name>` subcommand, exported as `command` from `lib/cli/commands/<name>.ts`.
 *
 * Importing a command module must stay cheap and must not load the native addon: `prunekit --help` imports
 * every command for its summary, and help has to work when the binary is broken. Load `../../index`
 * (which loads the addon) inside `run`, with `await import(...)`.
 * @example
 * export const command: Command = {
 *   name: 'hello', summary: 'Say hello', usage: ['prunekit hello NAME'],
 *   args: { positionals: [{ name: 'NAME', description: 'who' }], options: [] },
 *   run: (args, io) => { io.stdout(`hello ${args.positionals[0]}\n`); return 0; },
 * };
 */
export interface Command {
  name: string;
  /** One line for the command list of `prunekit --help`. */
  summary: string;
  /** Synopsis lines, e.g. `prunekit info [--json]`. */
  usage: string[];
  /** Paragraphs printed under the synopsis by `--help`. */
  description?: string[];
  /** Example command lines for `--help`. */
  examples?: string[];
  args: ArgSpec;
  /** Runs the command; resolves to the exit code. Throw `UsageError` for a bad command line, any other error for a failure. */
  run(args: ParsedArgs, io: CliIo): number | Promise<number>;
}
