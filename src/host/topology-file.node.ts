/**
 * `loadTopology` for Node: a bundled machine by name (`'server'`, `'example-4'`), a topology
 * file by path (relative to the working directory), or the parsed JSON itself. This is the
 * one place the library reads a file for a topology, so it lives behind the package's `node`
 * export condition (src/index.node.ts): a browser build (the playground) resolves
 * `vfio-sim` to src/index.ts, whose loadTopology takes names and JSON only and never
 * imports node:fs.
 *
 * A bundled name wins over a file of the same name in the working directory; write
 * `./server` for the file.
 */
import { readFileSync } from 'node:fs';
import { withLineColumn } from '../base/json-position.js';
import { bundledTopologies } from '../hardware/default-machine.js';
import { loadTopology as loadBundledOrJson, parseTopology, TopologyError } from '../hardware/topology/index.js';
import type { ParseOptions } from '../hardware/topology/parse.js';
import type { Topology } from '../hardware/topology/model.js';

function fail(message: string): never {
  throw new TopologyError([{ path: '(root)', message }]);
}

function readTopologyFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const named = /^[\w-]+$/.test(path) ? `no bundled machine is named '${path}' and there is no such file; bundled: ${Object.keys(bundledTopologies).join(', ')}` : undefined;
    fail(code === 'ENOENT' && named !== undefined ? named : `${path}: cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    fail(`${path}: not valid JSON: ${withLineColumn((e as Error).message, text)}`);
  }
}

/** A topology by bundled name, by file path, or from its JSON value; throws TopologyError listing every issue. */
export function loadTopology(nameOrPathOrJson: unknown, opts: ParseOptions = {}): Topology {
  if (typeof nameOrPathOrJson !== 'string' || Object.hasOwn(bundledTopologies, nameOrPathOrJson)) return loadBundledOrJson(nameOrPathOrJson, opts);
  const json = readTopologyFile(nameOrPathOrJson);
  if (typeof json === 'object' && json !== null && Array.isArray((json as { steps?: unknown }).steps)) {
    fail(`${nameOrPathOrJson} is a scenario (it has "steps"), not a topology: run it with scenario.runScenario or \`vfio-sim run\``);
  }
  return parseTopology(json, opts);
}
