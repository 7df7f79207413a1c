// `ecg-edge eval <subcommand>`: scoring against the MIT-BIH reference. Subcommands come from this table;
// add one with one lazyCommand line here (its module is imported only when it runs).
import { CliError, lazyCommand, type CommandSpec } from '../args.js';

export const EVAL_SUBCOMMANDS: CommandSpec[] = [
  lazyCommand('detect', 'score a QRS detector (or annotation files) beat by beat: Se, +P, TP/FN/FP', async () => (await import('./eval-detect.js')).evalDetectCommand),
  lazyCommand('classify', "score a beat classifier (model or ensemble) on a protocol's test beats: class Se, +P, F1, VEB/SVEB", async () => (await import('./eval-classify.js')).evalClassifyCommand),
  lazyCommand('noise', 'noise stress test (nstdb pattern, em/bw/ma noise at several SNRs): Se and +P per SNR', async () => (await import('./eval-noise.js')).evalNoiseCommand),
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
  summary: 'score against the reference annotations (EC57 / bxb): detect, classify, noise',
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
