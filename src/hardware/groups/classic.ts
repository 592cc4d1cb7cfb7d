/**
 * The classic grouping algorithm, Linux `pci_device_group()` (drivers/iommu/iommu.c),
 * applied to one function given the groups that already exist:
 *   A  walk the DMA aliases; join the first aliasing device that has a group, else
 *      continue from the topmost alias `cur`;
 *   B  climb while the upstream bridge is not ACS-isolated all the way to the root,
 *      joining the first bridge on the way that has a group;
 *   C  search same-bus DMA aliases of `cur` (get_pci_alias_group) and
 *   D  ACS-less functions of `cur`'s slot (get_pci_function_alias_group), sharing one
 *      visited-devfn set;
 *   E  otherwise a new group.
 * C and D run on `cur`, which after B may be a bridge rather than the probed function.
 */
import type { PciFunction } from '../topology/index.js';
import { formatRid } from '../topology/index.js';
import { acsEnabled, acsPathEnabled, REQ_ACS_FLAGS, type AcsMaskVariant } from './acs.js';
import type { Decision, GroupAssignment, GroupRecord } from './assignment.js';
import { devsAreDmaAliases, forEachDmaAlias } from './dma-alias.js';

export interface Found {
  readonly group: GroupRecord;
  /** The function that already had the group. */
  readonly holder: PciFunction;
  /** How the search reached it first: a DMA alias or an ACS-less slot sibling. */
  readonly how: 'alias' | 'function';
}

/** The shared search state of steps C and D (Linux's 256-bit devfn bitmap). */
export class SiblingSearch {
  readonly visited = new Set<number>();
  readonly #st: GroupAssignment;
  readonly #variant: AcsMaskVariant;

  constructor(st: GroupAssignment, variant: AcsMaskVariant) {
    this.#st = st;
    this.#variant = variant;
  }

  /** get_pci_alias_group(). */
  alias(p: PciFunction, how: Found['how'] = 'alias'): Found | null {
    if (this.visited.has(p.devfn)) return null;
    this.visited.add(p.devfn);
    const g = this.#st.groupOf(p);
    if (g) return { group: g, holder: p, how };
    for (const t of p.parentBus.devices) {
      if (t === p || !devsAreDmaAliases(p, t)) continue;
      const found = this.alias(t, how) ?? this.function(t);
      if (found) return found;
    }
    return null;
  }

  /** get_pci_function_alias_group(). */
  function(p: PciFunction): Found | null {
    if (!p.multifunction || acsEnabled(p, REQ_ACS_FLAGS, this.#variant)) return null;
    for (const t of p.parentBus.devices) {
      if (t === p || t.slot !== p.slot || acsEnabled(t, REQ_ACS_FLAGS, this.#variant)) continue;
      const found = this.alias(t, 'function');
      if (found) return found;
    }
    return null;
  }
}

export function siblingReason(f: Found, cur: PciFunction, dev: PciFunction, step: string): string {
  const via = cur === dev ? '' : ` (searched from upstream bridge ${cur.bdf})`;
  const what = f.how === 'function'
    ? `multifunction sibling ${f.holder.bdf} lacks ACS`
    : `DMA alias ${f.holder.bdf} already has it`;
  return `joined group {id}: ${what}${via} (${step})`;
}

/** Step A: returns a decision, or the topmost alias to continue from. */
function stepA(dev: PciFunction, st: GroupAssignment): Decision | PciFunction {
  let top = dev;
  let hit: { device: PciFunction; rid: number; group: GroupRecord } | null = null;
  forEachDmaAlias(dev, (device, rid) => {
    top = device;
    const g = st.groupOf(device);
    if (g) hit = { device, rid, group: g };
    return g !== undefined;
  });
  if (!hit) return top;
  const h: { device: PciFunction; rid: number; group: GroupRecord } = hit;
  return {
    group: h.group,
    reason: `joined group {id}: its DMA reaches the IOMMU as ${formatRid(h.rid)} via ${h.device.bdf}, ` +
      `which already has the group (pci_device_group step A)`,
  };
}

/** Step B: climb to the ACS-isolated point. */
function stepB(start: PciFunction, st: GroupAssignment): Decision | PciFunction {
  let cur = start;
  for (let bus = cur.parentBus; !bus.isRoot; bus = bus.parent!) {
    if (!bus.self) continue;
    if (acsPathEnabled(bus.self, null, REQ_ACS_FLAGS, 'classic')) break;
    cur = bus.self;
    const g = st.groupOf(cur);
    if (g) {
      return {
        group: g,
        reason: `joined group {id}: upstream bridge ${cur.bdf} is not ACS-isolated (SV|RR|CR|UF) ` +
          `on its path to the root (pci_device_group step B)`,
      };
    }
  }
  return cur;
}

function newGroupReason(dev: PciFunction, cur: PciFunction): string {
  if (cur !== dev) {
    return `new group {id}: its isolation point is ${cur.bdf}, which has no group yet (probe order)`;
  }
  if (dev.parentBus.isRoot) {
    return 'new group {id}: on the root bus, with no grouped DMA alias or ACS-less slot sibling';
  }
  return 'new group {id}: every bridge up to the root bus has ACS SV|RR|CR|UF';
}

function isDecision(x: Decision | PciFunction): x is Decision {
  return !('bdf' in x);
}

export function classicDeviceGroup(dev: PciFunction, st: GroupAssignment): Decision {
  const a = stepA(dev, st);
  if (isDecision(a)) return a;
  const b = stepB(a, st);
  if (isDecision(b)) return b;
  const cur = b;
  const search = new SiblingSearch(st, 'classic');
  const c = search.alias(cur);
  if (c) return { group: c.group, reason: siblingReason(c, cur, dev, 'pci_device_group step C') };
  const d = search.function(cur);
  if (d) return { group: d.group, reason: siblingReason(d, cur, dev, 'pci_device_group step D') };
  return { group: null, reason: newGroupReason(dev, cur) };
}
