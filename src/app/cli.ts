// The `ecg-edge` command line: a table of commands, each in its own module under src/app/commands/.
import { COMMANDS } from './commands/index.js';
import { CliError } from './args.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'ecg-edge: edge ECG toolkit (acquisition, fixed-point signal path, int8 beat classification)',
    '',
    'Usage: ecg-edge <command> [options]      ecg-edge <command> --help',
    '',
    'Commands:',
    ...lines,
    '',
    'Data: set ECG_EDGE_DATA to a folder holding mitdb/ (see `ecg-edge data fetch`).',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === '-V') {
    const { readFileSync } = await import('node:fs');
    const { packageRoot } = await import('../native/binding.js');
    console.log(JSON.parse(readFileSync(`${packageRoot}/package.json`, 'utf8')).version);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`ecg-edge: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See \`ecg-edge --help\`.`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`ecg-edge ${name}: ${err.message}`);
      return 2;
    }
    console.error(`ecg-edge ${name}: ${err instanceof Error ? (process.env.ECG_EDGE_DEBUG ? err.stack : err.message) : String(err)}`);
    return 1;
  }
}
