/**
 * The input tree flattened into nodes that remember their JSON path and parent node.
 * Shared by the validator and the builder so both walk the tree the same way.
 */
import { parseBdf, type BdfParts } from './bdf.js';
import type { PciNodeParsed } from './schema.js';

export interface FlatNode {
  readonly node: PciNodeParsed;
  readonly path: string;
  readonly parent: FlatNode | null;
  readonly addr: BdfParts;
}

export const BRIDGE_TYPES: ReadonlySet<string> = new Set([
  'root-port', 'switch-upstream', 'switch-downstream', 'pcie-to-pci-bridge',
  'pci-to-pcie-bridge', 'pci-bridge',
]);

export function isBridgeType(type: string): boolean {
  return BRIDGE_TYPES.has(type);
}

/** Depth-first, input order. Nodes whose BDF failed the schema never get here. */
export function flatten(pci: readonly PciNodeParsed[]): FlatNode[] {
  const out: FlatNode[] = [];
  const walk = (nodes: readonly PciNodeParsed[], base: string, parent: FlatNode | null): void => {
    nodes.forEach((node, i) => {
      const path = `${base}[${i}]`;
      const flat: FlatNode = { node, path, parent, addr: parseBdf(node.bdf)! };
      out.push(flat);
      if (node.children) walk(node.children, `${path}.children`, flat);
    });
  };
  walk(pci, 'pci', null);
  return out;
}
