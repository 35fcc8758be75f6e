/**
 * The subcommands: a fixed list of names, each backed by `lib/cli/commands/<name>.ts` when it exists.
 *
 * Adding a command is one file: create `commands/<name>.ts` exporting `command` (see `Command`). A name
 * already listed here is picked up as soon as its file exists; until then it shows as "coming". A new name
 * also needs a line in `COMMANDS`.
 */
import type { Command } from './command';
import type { CommandListing } from './help';

/** Every command name, in help order, with the summary shown while its file does not exist yet. */
const COMMANDS: ReadonlyArray<{ name: string; planned: string }> = [
  { name: 'info', planned: 'Show the version, platform, native binary and instruction sets' },
  { name: 'score', planned: 'Score the tensors of a safetensors model with a pruning criterion' },
  { name: 'prune', planned: 'Prune a model to a target sparsity' },
  { name: 'bench', planned: 'Benchmark the scoring kernels on every instruction set' },
  { name: 'build', planned: 'Build the native addon from source' },
];

/** Whether `name` is a command prunekit knows of, available or coming. */
export function isCommandName(name: string): boolean {
  return COMMANDS.some((c) => c.name === name);
}

/**
 * Loads `commands/<name>.ts` (or `.js` once compiled), or returns undefined if that file does not exist
 * (a planned command). Only listed names are looked up, so user input never becomes a module path.
 * @example
 * const command = loadCommand('score'); // the Command, without loading the native addon
 */
export function loadCommand(name: string): Command | undefined {
  if (!isCommandName(name)) return undefined;
  let file: string;
  try {
    file = require.resolve(`./commands/${name}`);
  } catch {
    return undefined; // the file does not exist: a planned command
  }
  // Resolving first means a broken import inside an existing command is reported, not taken for "coming".
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(file) as { command?: Command };
  if (loaded.command === undefined || loaded.command.name !== name)
    throw new Error(`internal: ${file} must export a \`command\` named "${name}"`);
  return loaded.command;
}

/**
 * Every command for the top-level help: its own summary when its file exists, the planned one otherwise.
 * @example
 * topHelp(listCommands(), version);
 */
export function listCommands(): CommandListing[] {
  return COMMANDS.map(({ name, planned }) => {
    const command = loadCommand(name);
    return { name, summary: command?.summary ?? planned, available: command !== undefined };
  });
}
