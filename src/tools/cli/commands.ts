/** The CLI's command table: one entry per subcommand, in the order help lists them. */
import { drawCommand } from './commands/draw.js';
import { execCommand, shimCommand } from './commands/exec.js';
import { picturesCommand, schemaCommand } from './commands/generate.js';
import { groupsCommand } from './commands/groups.js';
import { machineCommand } from './commands/machine.js';
import { runCommand } from './commands/run.js';
import { tourCommand } from './commands/tour.js';
import { validateCommand } from './commands/validate.js';
import type { CliCommand } from './io.js';

export const COMMANDS: readonly CliCommand[] = [tourCommand, machineCommand, groupsCommand, runCommand, drawCommand, validateCommand, schemaCommand, picturesCommand, execCommand, shimCommand];
