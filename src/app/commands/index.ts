// The command table: `ecg-edge --help` lists it in this order. Add a command by adding its module here
// (one import and one line in COMMANDS).
import type { CommandSpec } from '../args.js';
import { infoCommand } from './info.js';
import { evalCommand } from './eval.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { trainCommand } from './train.js';
import { ganCommand } from './gan.js';

export const COMMANDS: CommandSpec[] = [
  infoCommand,
  evalCommand,
  dataCommand,
  demoCommand,
  trainCommand,
  ganCommand,
];
