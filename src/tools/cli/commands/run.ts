import { parseArgs } from 'node:util';
import { formatEntry } from '../../../base/trace.js';
import type { ScenarioResult } from '../../../scenarios/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIo } from '../io.js';
import { scenarioFile, startScenario } from '../scenario-load.js';
import { jsonNs, jsonText } from './json.js';

/** The human summary after a run: every failed step with its reasons, then the count. */
export function formatSummary(r: ScenarioResult): string {
  const lines = ['', `scenario ${r.name}: ${r.title}`];
  for (const s of r.steps) if (!s.ok) lines.push(`  ✗ step ${s.index} (${s.label}): ${s.messages.join('; ')}`);
  lines.push(r.ok ? `✓ all ${r.steps.length} steps held` : `✗ ${r.failed} of ${r.steps.length} steps failed`);
  return lines.join('\n');
}

/** Run a scenario file and print its trace and summary (or JSON); the exit code says whether it held. */
export function runScenarioFile(io: CliIo, file: string, json: boolean, quiet = false): number {
  let run;
  try {
    run = startScenario(io, file);
  } catch (e) {
    // --json promises JSON on stdout: an invalid file answers {ok:false, error} (still exit 2).
    if (!json || !(e instanceof UsageError)) throw e;
    io.out(jsonText({ ok: false, error: 'invalid scenario', message: e.message }));
    return EXIT_USAGE;
  }
  const r = run.runAll();
  if (json) {
    const steps = r.steps.map((s) => ({ ...s, time: jsonNs(s.time) }));
    const trace = r.trace.map((e) => ({ ...e, time: jsonNs(e.time) }));
    io.out(jsonText({ name: r.name, title: r.title, ok: r.ok, passed: r.passed, failed: r.failed, timeUnit: 'ns', steps, trace }));
  } else {
    if (!quiet) io.out(r.trace.map(formatEntry).join('\n'));
    io.out(formatSummary(r));
  }
  return r.ok ? EXIT_OK : EXIT_FAILED;
}

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a scenario: print its trace, check its expectations (exit 0 all held, 1 some failed)',
  help: `Usage: vfio-sim run SCENARIO.json|NAME [--json] [--quiet]

Examples:
  vfio-sim run default
  vfio-sim run 02-container --json
  vfio-sim run my-scenario.json

A bare name runs a bundled scenario (fixtures/scenarios/NAME.json, threats/NAME too).

Runs the scenario's steps on a fresh host built from its topology, deterministically, and
prints the host trace (syscalls, DMA, faults, interrupts, with the scenario's steps as
notes), then every failed expectation. --quiet prints only the summary.
Exit status: 0 every expectation held, 1 some failed, 2 the file is not a valid scenario.
The format is described in docs/scenarios.md.`,
  run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { json: { type: 'boolean' }, quiet: { type: 'boolean' } } });
    if (positionals.length !== 1) throw new UsageError('run takes exactly one scenario file');
    return runScenarioFile(io, scenarioFile(io, positionals[0]!), values.json === true, values.quiet === true);
  },
};
