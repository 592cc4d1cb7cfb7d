/**
 * When the schema refuses a topology, the semantic checks still run on what did parse, so
 * one pass reports every problem (a duplicate BDF next to a misspelt field). A PCI node
 * counts as parsed when it passes the node schema on its own (its children judged apart);
 * a node that does not is left out with its subtree (its bus numbering is unknown). Paths
 * stay those of the input, so every issue points at the field as written.
 */
import { parseBdf } from './bdf.js';
import type { FlatNode } from './flatten.js';
import type { TopologyIssue } from './issues.js';
import type { ModelCatalog } from './model-catalog.js';
import { pciNodeSchema, type PciNodeParsed } from './schema.js';
import { validateNodes } from './validate.js';

/** The nodes of `json.pci` that parse on their own, flattened depth-first with their input paths. */
export function salvageNodes(json: unknown): FlatNode[] {
  const out: FlatNode[] = [];
  const walk = (raw: unknown, base: string, parent: FlatNode | null): PciNodeParsed[] => {
    if (!Array.isArray(raw)) return [];
    const kept: PciNodeParsed[] = [];
    raw.forEach((item: unknown, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return;
      const { children, ...own } = item as Record<string, unknown>;
      const r = pciNodeSchema.safeParse(own);
      const addr = r.success ? parseBdf(r.data.bdf) : null;
      if (!r.success || addr === null) return;
      const node: PciNodeParsed = { ...r.data };
      const flat: FlatNode = { node, path: `${base}[${i}]`, parent, addr };
      out.push(flat);
      kept.push(node);
      if (children !== undefined) node.children = walk(children, `${flat.path}.children`, flat);
    });
    return kept;
  };
  const pci = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['pci'] : undefined;
  walk(pci, 'pci', null);
  return out;
}

/** The semantic issues of what parsed, minus any at a path the schema already reported. */
export function salvagedIssues(json: unknown, schemaIssues: readonly TopologyIssue[], models: ModelCatalog): TopologyIssue[] {
  const seen = new Set(schemaIssues.map((i) => i.path));
  return validateNodes(salvageNodes(json), models).filter((i) => !seen.has(i.path));
}
