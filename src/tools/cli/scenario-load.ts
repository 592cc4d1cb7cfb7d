/**
 * Loading a scenario for a command: JSON, schema check (UsageError naming each field
 * path), and its topology resolved relative to the scenario file.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { ScenarioInputError, ScenarioRun, validateScenario, type Scenario } from '../../scenarios/index.js';
import { UsageError, type CliIo } from './io.js';
import { readJson } from './load.js';

/**
 * A scenario argument: a file path, or the name of a bundled scenario (`default`,
 * `03-map-dma`, `threats/t4-rid-alias`: fixtures/scenarios without `.json`), which works
 * from an installed package. A bare name that is a file in the current directory stays a file.
 */
export function scenarioFile(io: CliIo, arg: string): string {
  if (!/^[\w-]+(\/[\w-]+)?$/.test(arg)) return arg;
  try {
    io.readFile(arg);
    return arg;
  } catch {
    const rel = `fixtures/scenarios/${arg}.json`;
    return io.bundled ? io.bundled(rel) : rel;
  }
}

export function topologyLoader(io: CliIo, scenarioPath: string): (p: string) => unknown {
  return (p) => readJson(io, isAbsolute(p) ? p : join(dirname(scenarioPath), p));
}

/**
 * The one check every command applies to a scenario file (validate, run, draw): the shape
 * and everything knowable before running (validateScenario), each problem with its path.
 */
export function loadScenario(io: CliIo, path: string, json: unknown = readJson(io, path)): Scenario {
  const r = validateScenario(json);
  if (!r.ok) throw new UsageError(`${path}: ${new ScenarioInputError('invalid scenario', r.issues).message}`);
  return r.scenario;
}

/** A ready-to-run scenario (host built); input errors become UsageErrors. */
export function startScenario(io: CliIo, path: string, json?: unknown): ScenarioRun {
  const s = loadScenario(io, path, json);
  try {
    return new ScenarioRun(s, { loadTopology: topologyLoader(io, path) });
  } catch (e) {
    if (e instanceof ScenarioInputError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
}
