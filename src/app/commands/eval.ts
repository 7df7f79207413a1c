// `ecg-edge eval <subcommand>`: scoring against the MIT-BIH reference. Subcommands come from this table;
// add one by importing its CommandSpec and listing it here.
import { CliError, type CommandSpec } from '../args.js';
import { evalDetectCommand } from './eval-detect.js';
import { evalClassifyCommand } from './eval-classify.js';
import { evalNoiseCommand } from './eval-noise.js';

export const EVAL_SUBCOMMANDS: CommandSpec[] = [
  evalDetectCommand,
  evalClassifyCommand,
  evalNoiseCommand,
];

function help(): string {
  const width = Math.max(...EVAL_SUBCOMMANDS.map((c) => c.name.length));
  return [
    'Usage: ecg-edge eval <subcommand> [options]     ecg-edge eval <subcommand> --help',
    '',
    'Scores algorithms beat by beat against reference annotations, as ANSI/AAMI EC57 and PhysioNet bxb do.',
    '',
    'Subcommands:',
    ...EVAL_SUBCOMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export const evalCommand: CommandSpec = {
  name: 'eval',
  summary: `score against the reference annotations (EC57 / bxb): ${EVAL_SUBCOMMANDS.map((c) => c.name).join(', ')}`,
  get help() {
    return help();
  },
  async run(argv) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(help());
      return sub ? 0 : 2;
    }
    const cmd = EVAL_SUBCOMMANDS.find((c) => c.name === sub);
    if (!cmd) {
      throw new CliError(`unknown subcommand '${sub}'; expected one of: ${EVAL_SUBCOMMANDS.map((c) => c.name).join(', ')}\n\n${help()}`);
    }
    return cmd.run(rest);
  },
};
