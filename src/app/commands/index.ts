// The command table: `ecg-edge --help` lists it in this order. Add a command by adding its module here
// (one import and one line in COMMANDS).
import type { CommandSpec } from '../args.js';
import { infoCommand } from './info.js';
import { evalCommand } from './eval.js';
import { detectCommand } from './detect.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { trainCommand } from './train.js';
import { ganCommand } from './gan.js';
import { boardCommand } from './board.js';
import { monitorCommand } from './monitor.js';
import { ensembleCommand } from './ensemble.js';
import { reportCommand } from './report.js';
import { exportCommand } from './export.js';

export const COMMANDS: CommandSpec[] = [
  infoCommand,
  evalCommand,
  detectCommand,
  dataCommand,
  demoCommand,
  trainCommand,
  ganCommand,
  boardCommand,
  monitorCommand,
  ensembleCommand,
  reportCommand,
  exportCommand,
];
