/**
 * Entry points: JSON in, Topology out. A depth check first (no recursion on hostile
 * nesting), then three stages, each reporting every problem it finds
 * with a JSON path: the zod schema (shape), validate.ts (names and tree structure), then
 * building (bus numbers, SR-IOV and BAR placement). When the schema refuses something, the
 * name and tree checks still run on the nodes that did parse (salvage.ts), so one pass
 * reports every problem; building runs only on fully valid input.
 */
import type { z } from 'zod';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../base/json-depth.js';
import { explainIssue } from '../../base/zod-messages.js';
import { buildTopology } from './build.js';
import { salvagedIssues } from './salvage.js';
import { flatten } from './flatten.js';
import { formatPath, TopologyError, type TopologyIssue } from './issues.js';
import { builtinModels } from '../devices/catalog.js';
import { bundledTopologies } from '../default-machine.js';
import type { ModelCatalog } from './model-catalog.js';
import type { Topology } from './model.js';
import { topologySchema } from './schema.js';
import { validateInput } from './validate.js';

export interface ParseOptions {
  /** Device models `model` may name (default: the built-ins). */
  readonly models?: ModelCatalog;
}

export type SafeParseResult =
  | { readonly ok: true; readonly topology: Topology }
  | { readonly ok: false; readonly issues: readonly TopologyIssue[] };

function zodIssues(error: z.ZodError): TopologyIssue[] {
  const out: TopologyIssue[] = [];
  for (const iss of error.issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push({ path: formatPath([...iss.path, k]), message: 'unknown field' });
    } else {
      out.push({ path: formatPath(iss.path), message: iss.message });
    }
  }
  return out;
}

/** A PCI hierarchy has 256 bus numbers, and each level below the root bus takes at least one. */
export const MAX_TREE_DEPTH = 256;

/**
 * Stage 0, before any recursive walk: how deep `children` nest, iteratively, so a hostile
 * file nested thousands of levels deep is an issue rather than a stack overflow.
 */
function depthIssues(json: unknown): TopologyIssue[] {
  const pci = typeof json === 'object' && json !== null ? (json as { pci?: unknown }).pci : undefined;
  if (!Array.isArray(pci)) return [];
  const out: TopologyIssue[] = [];
  pci.forEach((root, i) => {
    let deepest = 0;
    const stack: Array<[unknown, number]> = [[root, 1]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      deepest = Math.max(deepest, depth);
      const kids = typeof node === 'object' && node !== null ? (node as { children?: unknown }).children : undefined;
      if (Array.isArray(kids) && depth <= MAX_TREE_DEPTH) for (const k of kids) stack.push([k, depth + 1]);
    }
    if (deepest > MAX_TREE_DEPTH) out.push({ path: formatPath(['pci', i]), message: `children nest more than ${MAX_TREE_DEPTH} levels deep; a PCI hierarchy has 256 bus numbers, so a tree is at most ${MAX_TREE_DEPTH} levels deep` });
  });
  return out;
}

export function safeParseTopology(json: unknown, opts: ParseOptions = {}): SafeParseResult {
  const models = opts.models ?? builtinModels;
  const deep = depthIssues(json);
  if (deep.length > 0) return { ok: false, issues: deep };
  if (nestsDeeperThan(json)) return { ok: false, issues: [{ path: '(root)', message: `JSON nested more than ${MAX_JSON_DEPTH} levels deep; no topology needs that (a PCI tree is at most ${MAX_TREE_DEPTH} levels)` }] };
  const shape = topologySchema.safeParse(json, { error: explainIssue });
  if (!shape.success) {
    const issues = zodIssues(shape.error);
    return { ok: false, issues: [...issues, ...salvagedIssues(json, issues, models)] };
  }
  const nodes = flatten(shape.data.pci);
  const semantic = validateInput(shape.data, nodes, models);
  if (semantic.length > 0) return { ok: false, issues: semantic };
  const built = buildTopology(shape.data, models, nodes);
  if (!built.topology) return { ok: false, issues: built.issues };
  return { ok: true, topology: built.topology };
}

/** Parses and validates a topology; throws a TopologyError listing every issue. */
export function parseTopology(json: unknown, opts: ParseOptions = {}): Topology {
  const r = safeParseTopology(json, opts);
  if (!r.ok) throw new TopologyError(r.issues);
  return r.topology;
}

/**
 * A topology by bundled machine name (`'default'`, `'server'`, `'example-4'`: the files of
 * fixtures/topologies) or from its JSON value, as parseTopology. This one does no file I/O
 * (it runs in browsers too); on Node the package's entry (src/index.node.ts) exports a
 * loadTopology that also reads a path (src/host/topology-file.node.ts).
 */
export function loadTopology(nameOrJson: unknown, opts: ParseOptions = {}): Topology {
  if (typeof nameOrJson !== 'string') return parseTopology(nameOrJson, opts);
  if (Object.hasOwn(bundledTopologies, nameOrJson)) return parseTopology(bundledTopologies[nameOrJson], opts);
  const looksLikePath = /[/\\]|\.json$/i.test(nameOrJson);
  const why = looksLikePath
    ? `'${nameOrJson}' looks like a file path; the browser build reads no files: pass the parsed JSON, loadTopology(JSON.parse(text)) (on Node, import { loadTopology } from 'vfio-sim' reads the path)`
    : `no bundled machine is named '${nameOrJson}'; bundled: ${Object.keys(bundledTopologies).join(', ')}`;
  throw new TopologyError([{ path: '(root)', message: why }]);
}
