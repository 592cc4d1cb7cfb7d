/**
 * Loading a scenario for a command: JSON, schema check (UsageError naming each field
 * path), and its topology resolved relative to the scenario file.
 */
import { dirname, isAbsolute, join } from 'node:path';
import { parseScenario, ScenarioInputError, ScenarioRun, type Scenario } from '../../scenarios/index.js';
import { UsageError, type CliIo } from './io.js';
import { readJson } from './load.js';

export function topologyLoader(io: CliIo, scenarioPath: string): (p: string) => unknown {
  return (p) => readJson(io, isAbsolute(p) ? p : join(dirname(scenarioPath), p));
}

export function loadScenario(io: CliIo, path: string, json: unknown = readJson(io, path)): Scenario {
  try {
    return parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioInputError) throw new UsageError(`${path}: ${e.message}`);
    throw e;
  }
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
