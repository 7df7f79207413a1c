// Minimal, strict option parsing shared by every command: known flags only, clear errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error in how the command was called: printed without a stack, exit code 2. */
export class CliError extends Error {}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What `parse` returns for a given option table: `values` typed from the table. */
export type Parsed<T extends OptionSpec> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

export interface CommandSpec {
  name: string;
  summary: string;
  /** Full help text printed by `ecg-edge <name> --help`. */
  help: string;
  run(argv: string[]): Promise<number>;
}

/**
 * A command listed by name and summary whose module is imported only when it runs, so that `ecg-edge --help`
 * and light commands never load heavy modules (TensorFlow.js, the serial stack). `test/cli-lazy.test.ts`
 * checks that each entry's name and summary equal the module's own.
 */
export function lazyCommand(name: string, summary: string, load: () => Promise<CommandSpec>): CommandSpec & { load: () => Promise<CommandSpec> } {
  return {
    name,
    summary,
    load,
    get help(): string {
      return `Run \`ecg-edge ${name} --help\` for the options.`;
    },
    async run(argv: string[]) {
      return (await load()).run(argv);
    },
  };
}

export function parse<T extends OptionSpec>(argv: string[], options: T, help: string, allowPositionals = true): Parsed<T> | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(help);
    return null;
  }
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true as const });
  } catch (err) {
    throw new CliError(`${err instanceof Error ? err.message : String(err)}\n\n${help}`);
  }
}

/** Parses a number option; the error names the option, what was expected and what was given. */
export function numberOption(
  name: string,
  value: string | undefined,
  opts: { min?: number; max?: number; integer?: boolean; default?: number } = {},
): number | undefined {
  if (value === undefined) return opts.default;
  const v = Number(value);
  const kind = opts.integer ? 'an integer' : 'a number';
  const range =
    opts.min !== undefined && opts.max !== undefined ? ` from ${opts.min} to ${opts.max}`
      : opts.min !== undefined ? ` >= ${opts.min}` : opts.max !== undefined ? ` <= ${opts.max}` : '';
  if (value.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
    throw new CliError(`--${name}: expected ${kind}${range}, got '${value}'`);
  }
  if ((opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max)) {
    throw new CliError(`--${name}: expected ${kind}${range}, got ${value}`);
  }
  return v;
}

/** Splits a comma-separated list option ('100,101'); empty items are an error. */
export function listOption(name: string, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new CliError(`--${name}: expected a comma-separated list such as 100,101, got '${value}'`);
  return items;
}

/** Formats a fraction as a percentage with 2 decimals, '-' when undefined. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : (100 * x).toFixed(2);
}
