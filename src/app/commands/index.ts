// The command table: `ecg-edge --help` lists it in this order. Add a command by adding its module here.
import type { CommandSpec } from '../args.js';
import { trainCommand } from './train.js';

export const COMMANDS: CommandSpec[] = [trainCommand];
