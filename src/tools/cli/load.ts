/**
 * Loading a topology for a command: the bundled default machine, or a JSON file. JSON
 * syntax errors and schema errors become UsageErrors naming the file and the field path.
 */
import { bundledTopologies, defaultTopologyJson } from '../../hardware/default-machine.js';
import { parseTopology } from '../../hardware/topology/index.js';
import type { Topology } from '../../hardware/topology/model.js';
import { TopologyError } from '../../hardware/topology/index.js';
import { looksLikeScenario } from '../../scenarios/index.js';
import { UsageError, type CliIo } from './io.js';
import { withLineColumn } from '../../base/json-position.js';

export function readJson(io: CliIo, path: string): unknown {
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON: ${withLineColumn((e as Error).message, text)}`);
  }
}

/** readJson, but a bare name (no `/`, no `.`) that is not a file gets `why()` instead of ENOENT. */
export function readJsonOr(io: CliIo, path: string, why: () => string): unknown {
  if (/^[\w-]+$/.test(path)) {
    try {
      io.readFile(path);
    } catch {
      throw new UsageError(why());
    }
  }
  return readJson(io, path);
}

/** Parse a topology JSON value, optionally forcing the grouping algorithm. */
export function topologyFrom(json: unknown, label: string, grouping?: string): Topology {
  let input = json;
  if (grouping !== undefined) {
    if (grouping !== 'classic' && grouping !== 'bus-isolation') throw new UsageError(`--algorithm must be classic or bus-isolation (got ${grouping})`);
    const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    const kernel = typeof obj['kernel'] === 'object' && obj['kernel'] !== null ? (obj['kernel'] as Record<string, unknown>) : {};
    input = { ...obj, kernel: { ...kernel, grouping } };
  }
  try {
    return parseTopology(input);
  } catch (e) {
    if (e instanceof TopologyError) throw new UsageError(`${label}: invalid topology:\n${e.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
    throw e;
  }
}

/** No argument: the default machine; a bare name (no `/`, no `.`): a bundled machine; else a JSON file. */
export function loadTopologyArg(io: CliIo, path: string | undefined, grouping?: string): Topology {
  if (path === undefined) return topologyFrom(defaultTopologyJson, 'default machine', grouping);
  if (/^[\w-]+$/.test(path) && Object.hasOwn(bundledTopologies, path)) return topologyFrom(bundledTopologies[path], `bundled machine ${path}`, grouping);
  const json = readJsonOr(io, path, () => `no bundled machine is named ${path} (and no such file); bundled: ${Object.keys(bundledTopologies).join(', ')}`);
  if (looksLikeScenario(json)) throw new UsageError(`${path} is a scenario (it has "steps"), not a topology: run it with \`vfio-sim run ${path}\`, or picture it with \`vfio-sim draw ${path} --out FILE.svg\``);
  return topologyFrom(json, path, grouping);
}
