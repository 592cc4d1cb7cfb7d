/** The CLI's command table: one entry per subcommand, in the order help lists them. */
import { groupsCommand } from './commands/groups.js';
import { machineCommand } from './commands/machine.js';
import { validateCommand } from './commands/validate.js';
import type { CliCommand } from './io.js';

export const COMMANDS: readonly CliCommand[] = [machineCommand, groupsCommand, validateCommand];
