import { parseArgs } from 'node:util';
import { Host } from '../../../host/host.js';
import { formatMachine, machineReport } from '../../report/machine.js';
import { EXIT_OK, type CliCommand } from '../io.js';
import { loadTopologyArg } from '../load.js';
import { jsonText } from './json.js';

export const machineCommand: CliCommand = {
  name: 'machine',
  summary: 'show a machine: its PCI tree, IOMMU groups (and why), and which groups VFIO can use',
  help: `Usage: vfio-sim machine [TOPOLOGY.json|NAME] [--algorithm classic|bus-isolation] [--json]

Examples:
  vfio-sim machine                                 the bundled default workstation
  vfio-sim machine server                          the bundled Skylake-SP server (CBDMA at 00:04.x)
  vfio-sim machine example-4 --algorithm bus-isolation       (bundled: fixtures/topologies names)
  vfio-sim machine my-box.json --json

Boots the machine as Linux would (devices in probe order, IOMMU groups, boot drivers)
and prints the tree, each group with the reason every function landed in it, and
whether VFIO could take the group now (no member on a driver that uses the DMA API).`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { algorithm: { type: 'string' }, json: { type: 'boolean' } } });
    const host = new Host(loadTopologyArg(io, positionals[0], values.algorithm));
    io.out(values.json ? jsonText(machineReport(host)) : formatMachine(host));
    return EXIT_OK;
  },
};
