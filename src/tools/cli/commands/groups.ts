import { parseArgs } from 'node:util';
import { Host } from '../../../host/host.js';
import { formatGroups, machineReport, type MachineReport } from '../../report/machine.js';
import { EXIT_OK, UsageError, type CliCommand } from '../io.js';
import { loadTopologyArg } from '../load.js';
import { jsonText } from './json.js';

function partition(r: MachineReport): string[] {
  return r.groups.map((g) => g.members.join(' ')).sort();
}

const ALGORITHMS = ['classic', 'bus-isolation', 'both'];

export const groupsCommand: CliCommand = {
  name: 'groups',
  summary: 'derive the IOMMU groups of a topology and explain each function',
  help: `Usage: vfio-sim groups [TOPOLOGY.json|NAME] [--algorithm classic|bus-isolation|both] [--json]

Examples:
  vfio-sim groups example-4
  vfio-sim groups example-4 --algorithm both
  vfio-sim groups my-machine.json

--algorithm both prints the groups under the classic algorithm (what deployed kernels
do) and under the 2025 bus-isolation rewrite, and says whether they differ.`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { algorithm: { type: 'string' }, json: { type: 'boolean' } } });
    const alg = values.algorithm;
    if (positionals.length > 1) throw new UsageError('groups takes at most one topology file');
    if (alg !== undefined && !ALGORITHMS.includes(alg)) throw new UsageError(`--algorithm must be ${ALGORITHMS.join(', ')} (got ${alg})`);
    if (alg === 'both') {
      const classic = machineReport(new Host(loadTopologyArg(io, positionals[0], 'classic')));
      const iso = machineReport(new Host(loadTopologyArg(io, positionals[0], 'bus-isolation')));
      const same = JSON.stringify(partition(classic)) === JSON.stringify(partition(iso));
      if (values.json) io.out(jsonText({ classic: classic.groups, 'bus-isolation': iso.groups, differ: !same }));
      else io.out(['classic:', formatGroups(classic), '', 'bus-isolation:', formatGroups(iso), '', same ? 'The two algorithms form the same groups.' : 'The two algorithms form DIFFERENT groups.'].join('\n'));
      return EXIT_OK;
    }
    const r = machineReport(new Host(loadTopologyArg(io, positionals[0], alg)));
    io.out(values.json ? jsonText({ algorithm: r.grouping, groups: r.groups, functions: r.functions }) : `grouping: ${r.grouping}\n${formatGroups(r)}`);
    return EXIT_OK;
  },
};
