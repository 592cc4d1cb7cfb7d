import { parseArgs } from 'node:util';
import { Host } from '../../../host/host.js';
import { formatMachine } from '../../report/machine.js';
import { UsageError, type CliCommand } from '../io.js';
import { bundledPath } from './generate.js';
import { runScenarioFile } from './run.js';

export const tourCommand: CliCommand = {
  name: 'tour',
  summary: 'the default: show the default machine, then run the default scenario (what `npm start` does)',
  help: `Usage: vfio-sim tour [--quiet]

Examples:
  vfio-sim                 (no command) the same as vfio-sim tour
  npm start

Prints the bundled workstation (PCI tree, IOMMU groups and why), then runs
fixtures/scenarios/default.json: bind an edu device to vfio-pci, open a container and its
group, map memory, let the device DMA, and take its interrupt through an eventfd.`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { quiet: { type: 'boolean' } } });
    if (positionals.length > 0) throw new UsageError('tour takes no files (try `vfio-sim run FILE`)');
    io.out(formatMachine(new Host()));
    io.out('\n──────── default scenario: fixtures/scenarios/default.json ────────\n');
    return runScenarioFile(io, bundledPath(io, 'fixtures/scenarios/default.json'), false, values.quiet === true);
  },
};
