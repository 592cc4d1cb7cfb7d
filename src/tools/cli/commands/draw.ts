import { parseArgs } from 'node:util';
import { Host } from '../../../host/host.js';
import { looksLikeScenario } from '../../../scenarios/index.js';
import { drawMachine } from '../../pictures/index.js';
import { hostState } from '../../report/state.js';
import { EXIT_OK, UsageError, writeOutput, type CliCommand } from '../io.js';
import { readJson, topologyFrom } from '../load.js';
import { scenarioFile, startScenario } from '../scenario-load.js';

/** The SVG of a topology at boot, or of a scenario after `step` steps (default: all). */
export function pictureOf(io: Parameters<CliCommand['run']>[1], file: string, step?: number): string {
  const json = readJson(io, file);
  if (!looksLikeScenario(json)) {
    if (step !== undefined) throw new UsageError('--step applies to scenarios, and this file is a topology');
    return drawMachine(hostState(new Host(topologyFrom(json, file))), { subtitle: 'at boot' });
  }
  const run = startScenario(io, file, json);
  const total = run.scenario.steps.length;
  if (step !== undefined && step > total) throw new UsageError(`--step ${step}: the scenario has only ${total} steps`);
  const r = run.runAll(step ?? total);
  const where = step === undefined ? 'end' : `after step ${step} of ${total}`;
  return drawMachine(hostState(run.host), { subtitle: `scenario ${r.name}, ${where}${r.ok ? '' : ` (${r.failed} failed)`}` });
}

export const drawCommand: CliCommand = {
  name: 'draw',
  summary: 'draw a topology or a scenario\'s state as SVG (PCI tree, groups, containers, mappings, faults)',
  help: `Usage: vfio-sim draw TOPOLOGY.json|SCENARIO.json --out FILE.svg [--step N]

Examples:
  vfio-sim draw fixtures/topologies/example-4.json --out groups.svg
  vfio-sim draw fixtures/scenarios/03-map-dma.json --out map.svg
  vfio-sim draw fixtures/scenarios/03-map-dma.json --step 5 --out before.svg

A topology is drawn as it boots. A scenario is run and drawn at its end, or after its
first N steps with --step N. The picture: the PCI tree with each IOMMU group as a band
(dashed when VFIO cannot use it), ACS as capability and enabled controls, peer-to-peer
requests the IOMMU never saw as red arrows; the containers and their groups, your IOMMU
address spaces' mappings from IOVA to host pages (both bars on one stated scale), faults
and escapes in red, then the kernel's own DMA domains.`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { out: { type: 'string', short: 'o' }, step: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('draw takes exactly one topology or scenario file');
    if (values.out === undefined) throw new UsageError('draw needs --out FILE.svg');
    let step: number | undefined;
    if (values.step !== undefined) {
      if (!/^\d+$/.test(values.step)) throw new UsageError(`--step must be a step count (got ${values.step})`);
      step = Number(values.step);
    }
    writeOutput(io, values.out, pictureOf(io, scenarioFile(io, positionals[0]!), step));
    io.out(`wrote ${values.out}`);
    return EXIT_OK;
  },
};
