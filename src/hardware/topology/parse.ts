/**
 * Entry points: JSON in, Topology out. Three stages, each reporting every problem it finds
 * with a JSON path: the zod schema (shape), validate.ts (names and tree structure), then
 * building (bus numbers, SR-IOV and BAR placement). A later stage runs only when the
 * earlier ones found nothing, so paths always refer to well-formed input.
 */
import type { z } from 'zod';
import { buildTopology } from './build.js';
import { flatten } from './flatten.js';
import { formatPath, TopologyError, type TopologyIssue } from './issues.js';
import { builtinModels } from '../devices/catalog.js';
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

export function safeParseTopology(json: unknown, opts: ParseOptions = {}): SafeParseResult {
  const models = opts.models ?? builtinModels;
  const shape = topologySchema.safeParse(json);
  if (!shape.success) return { ok: false, issues: zodIssues(shape.error) };
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

/** Same as parseTopology. */
export const loadTopology = parseTopology;
