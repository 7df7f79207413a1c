// Minimal, strict option parsing shared by every command: known flags only, clear errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error in how the command was called: printed without a stack, exit code 2. */
export class CliError extends Error {}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Full help text printed by `ecg-edge <name> --help`. */
  help: string;
  run(argv: string[]): Promise<number>;
}

export function parse(argv: string[], options: OptionSpec, help: string, allowPositionals = true) {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(help);
    return null;
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n\n${help}`);
  }
}
