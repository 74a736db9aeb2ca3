// What a terminal command is given: the configuration (read once by command.ts) and where to write.
// Results go to stdout, progress and notes to stderr, so `--json` output pipes cleanly.
import type { Config } from '../../config.js';
import { EXIT_CODES } from '../../error-mapping.js';
import { inputError } from '../../errors.js';
import { booleanFlag, parseCommandLine, type FlagKind, type ParsedCommandLine } from './command-line.js';
import { COMMON_FLAGS, COMMON_HELP } from './connection.js';
import type { Output } from './text-table.js';

export interface CommandIo {
  config: Config;
  stdout: Output;
  stderr: Output;
}

/**
 * Parses a command's flags (its own and the common ones) and its positionals; undefined when
 * --help was asked for, after printing the usage.
 */
export function parseCommand(
  io: CommandIo,
  args: readonly string[],
  command: { name: string; usage: string; flags?: Readonly<Record<string, FlagKind>>; positionals: readonly string[] },
): ParsedCommandLine | undefined {
  const parsed = parseCommandLine(args, { ...COMMON_FLAGS, ...command.flags }, `bio-mcp-queue ${command.name} --help lists the flags`);
  if (booleanFlag(parsed, 'help')) {
    io.stdout.write(`${command.usage}\n\n${COMMON_HELP}\n`);
    return undefined;
  }
  const [wanted, given] = [command.positionals.length, parsed.positionals.length];
  if (given < wanted) throw inputError(command.name, `give the ${command.positionals[given]}, e.g. bio-mcp-queue ${command.name} ${command.positionals.map((p) => p.toUpperCase().replace(/ /g, '_')).join(' ')}`);
  if (given > wanted) throw inputError(parsed.positionals[wanted]!, `unexpected argument (bio-mcp-queue ${command.name} --help)`);
  return parsed;
}

/** Prints value as JSON or as text, as --json asks. */
export function print(io: CommandIo, parsed: ParsedCommandLine, value: unknown, text: () => string): void {
  io.stdout.write(booleanFlag(parsed, 'json') ? `${JSON.stringify(value, null, 2)}\n` : `${text()}\n`);
}

export const HELP_SHOWN = EXIT_CODES.ok;
