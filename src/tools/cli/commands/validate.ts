import { parseArgs } from 'node:util';
import { safeParseTopology } from '../../../hardware/topology/index.js';
import { looksLikeScenario, validateScenario } from '../../../scenarios/index.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from '../io.js';
import { readJson } from '../load.js';
import { startScenario } from '../scenario-load.js';
import { jsonText } from './json.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check a topology or scenario file and report every problem with its field path',
  help: `Usage: vfio-sim validate FILE.json [--json]

Examples:
  vfio-sim validate fixtures/topologies/default.json
  vfio-sim validate fixtures/scenarios/default.json

Tells a scenario (it has "steps") from a topology. A scenario's topology is checked too.
Exit status 0 when the file is valid, 2 when it is not (each problem on its own line,
named by the path of the field, e.g. pci[1].children[0].bdf or steps[3].request).`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' } } });
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new UsageError('validate takes exactly one file');
    const json = readJson(io, file);
    if (looksLikeScenario(json)) {
      const r = validateScenario(json);
      if (!r.ok) {
        if (values.json) io.out(jsonText({ file, kind: 'scenario', valid: false, issues: r.issues }));
        else io.err(`${file}: invalid scenario:\n${r.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
        return EXIT_USAGE;
      }
      startScenario(io, file, json); // builds the host: a bad topology is a UsageError naming its fields
      io.out(values.json ? jsonText({ file, kind: 'scenario', valid: true }) : `${file}: valid scenario (${r.scenario.steps.length} steps)`);
      return EXIT_OK;
    }
    const r = safeParseTopology(json);
    if (r.ok) {
      io.out(values.json ? jsonText({ file, kind: 'topology', valid: true }) : `${file}: valid topology (${r.topology.functions.length} functions)`);
      return EXIT_OK;
    }
    if (values.json) io.out(jsonText({ file, kind: 'topology', valid: false, issues: r.issues }));
    else io.err(`${file}: invalid topology:\n${r.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    return EXIT_USAGE;
  },
};
