/**
 * Bus numbering. A bridge's secondary bus is the bus its children sit on; a bridge with no
 * children gets `secondaryBus` from the input or, failing that, the lowest free number
 * above its own bus that lies in no other bridge's range (as firmware would hand out).
 * `subordinateBus` is the highest bus below the bridge, VF buses included.
 */
import type { FlatNode } from './flatten.js';
import { isBridgeType } from './flatten.js';
import type { TopologyIssue } from './issues.js';

export interface BusPlan {
  /** Secondary bus per bridge node. */
  readonly secondary: Map<FlatNode, number>;
}

function ancestors(n: FlatNode): FlatNode[] {
  const out: FlatNode[] = [];
  for (let p = n.parent; p; p = p.parent) out.push(p);
  return out;
}

/** Ranges known from real children, before childless bridges get numbers. */
function knownRanges(nodes: readonly FlatNode[], extraBuses: ReadonlyMap<FlatNode, number[]>) {
  const ranges = new Map<FlatNode, { sec: number; sub: number }>();
  const extend = (n: FlatNode, bus: number) => {
    for (const a of ancestors(n)) {
      const r = ranges.get(a);
      if (r) r.sub = Math.max(r.sub, bus);
    }
  };
  for (const n of nodes) {
    const kid = n.node.children?.[0];
    if (kid) ranges.set(n, { sec: parseInt(kid.bdf.slice(5, 7), 16), sub: parseInt(kid.bdf.slice(5, 7), 16) });
  }
  for (const n of nodes) extend(n, n.addr.bus);
  for (const [n, buses] of extraBuses) for (const b of buses) { extend(n, b); }
  return ranges;
}

export function planBuses(
  nodes: readonly FlatNode[], probeOrder: readonly FlatNode[],
  vfBuses: ReadonlyMap<FlatNode, number[]>, issues: TopologyIssue[],
): BusPlan {
  const secondary = new Map<FlatNode, number>();
  const used = new Set<number>(nodes.map((n) => n.addr.bus));
  for (const bs of vfBuses.values()) for (const b of bs) used.add(b);
  for (const n of nodes) {
    const kid = n.node.children?.[0];
    if (kid) secondary.set(n, parseInt(kid.bdf.slice(5, 7), 16));
    else if (n.node.secondaryBus !== undefined) secondary.set(n, n.node.secondaryBus);
  }
  for (const s of secondary.values()) used.add(s);
  const ranges = knownRanges(nodes, vfBuses);
  for (const n of probeOrder) {
    if (!isBridgeType(n.node.type) || secondary.has(n)) continue;
    const anc = new Set(ancestors(n));
    const blocked = (b: number) => used.has(b) ||
      [...ranges].some(([o, r]) => !anc.has(o) && o !== n && b >= r.sec && b <= r.sub);
    let b = n.addr.bus + 1;
    while (b <= 255 && blocked(b)) b++;
    if (b > 255) {
      issues.push({ path: n.path, message: 'no free bus number left for this bridge\'s secondary bus' });
      continue;
    }
    secondary.set(n, b);
    used.add(b);
    ranges.set(n, { sec: b, sub: b });
    for (const a of anc) { const r = ranges.get(a); if (r) r.sub = Math.max(r.sub, b); }
  }
  return { secondary };
}
