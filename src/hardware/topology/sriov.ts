/**
 * SR-IOV VF placement. VF n (0-based) has Routing ID `PF RID + offset + n * stride`
 * (PCIe SR-IOV spec §3.3.10/11). A VF whose bus differs from the PF's sits on a virtual bus
 * that is a child of the PF's bus with no bridge (`bus->self == NULL`), as Linux's
 * `virtfn_add_bus()` creates it.
 */
import type { FlatNode } from './flatten.js';

export interface VfAddress {
  readonly index: number;
  readonly rid: number;
  readonly bus: number;
  readonly devfn: number;
}

export function vfAddresses(n: FlatNode): VfAddress[] {
  const s = n.node.sriov;
  if (!s) return [];
  const pfRid = (n.addr.bus << 8) | n.addr.devfn;
  const out: VfAddress[] = [];
  for (let i = 0; i < s.numVfs; i++) {
    const rid = pfRid + s.offset + i * s.stride;
    out.push({ index: i, rid, bus: rid >> 8, devfn: rid & 0xff });
  }
  return out;
}

/** Bus numbers VFs occupy other than the PF's own bus, per PF node. */
export function vfExtraBuses(nodes: readonly FlatNode[]): Map<FlatNode, number[]> {
  const out = new Map<FlatNode, number[]>();
  for (const n of nodes) {
    const buses = [...new Set(vfAddresses(n).map((v) => v.bus))].filter((b) => b !== n.addr.bus && b <= 255);
    if (buses.length > 0) out.set(n, buses);
  }
  return out;
}
