// The command table: `ecg-edge --help` lists it in this order. Each entry names its module, which is imported
// only when the command runs (see lazyCommand). Add a command with one line here.
import { lazyCommand, type CommandSpec } from '../args.js';

export const COMMANDS: CommandSpec[] = [
  lazyCommand('info', 'show a WFDB record: header, duration, signal checks, annotation summary', async () => (await import('./info.js')).infoCommand),
  lazyCommand('eval', 'score against the reference annotations (EC57 / bxb): detect, classify, noise', async () => (await import('./eval.js')).evalCommand),
  lazyCommand('detect', 'detect R peaks in a record with the native pipeline and write a WFDB annotation file', async () => (await import('./detect.js')).detectCommand),
  lazyCommand('data', 'get the data: `data fetch` downloads MIT-BIH from PhysioNet', async () => (await import('./data.js')).dataCommand),
  lazyCommand('demo', 'stream a bundled MIT-BIH record through the detector and show beats found vs the reference (npm start)', async () => (await import('./demo.js')).demoCommand),
  lazyCommand('train', 'train a beat classifier (cnn, cnn-lstm, cnn-lstm-attention, resnet) under a protocol', async () => (await import('./train.js')).trainCommand),
  lazyCommand('gan', 'train the conditional GAN for S/V/F beats, or evaluate the realism of its beats', async () => (await import('./gan.js')).ganCommand),
  lazyCommand('board', 'the acquisition board: simulate it (real firmware in simavr), build its firmware, identify one on a port', async () => (await import('./board.js')).boardCommand),
  lazyCommand('monitor', 'live monitor on a board or a simulated board: HR, beats, signal quality, link health', async () => (await import('./monitor.js')).monitorCommand),
  lazyCommand('ensemble', 'build an ensemble manifest (Top-2-weighted or averaging) from trained models', async () => (await import('./ensemble.js')).ensembleCommand),
  lazyCommand('report', 'write docs/RESULTS.md (training report) and docs/figures/ from the trained models', async () => (await import('./report.js')).reportCommand),
  lazyCommand('export', 'quantize a trained model to an int8 .ecgm file for the native core (and measure its fidelity)', async () => (await import('./export.js')).exportCommand),
];
