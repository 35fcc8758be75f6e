/**
 * The subcommands, each in `lib/cli/commands/<name>.ts` exporting `command` (see `Command`). Adding a
 * command is that file plus its name here. Modules load on demand, so `--help` does not load the addon.
 */
import type { Command } from './command';
import type { CommandListing } from './help';

/** Every command name, in help order. */
const COMMANDS: readonly string[] = ['info', 'score', 'prune', 'bench', 'build'];

/** Whether `name` is a prunekit command. */
export function isCommandName(name: string): boolean {
  return COMMANDS.includes(name);
}

/**
 * Loads `commands/<name>`, or returns undefined for an unknown name. Only listed names are looked up, so
 * user input never becomes a module path.
 * @example
 * const command = loadCommand('score'); // the Command, without loading the native addon
 */
export function loadCommand(name: string): Command | undefined {
  if (!isCommandName(name)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(`./commands/${name}`) as { command?: Command };
  if (loaded.command === undefined || loaded.command.name !== name)
    throw new Error(`internal: commands/${name} must export a \`command\` named "${name}"`);
  return loaded.command;
}

/**
 * Every command with its summary, for the top-level help.
 * @example
 * topHelp(listCommands(), version);
 */
export function listCommands(): CommandListing[] {
  return COMMANDS.map((name) => ({ name, summary: (loadCommand(name) as Command).summary }));
}
