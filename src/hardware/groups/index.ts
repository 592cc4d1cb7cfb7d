/**
 * IOMMU group derivation for a Topology: runs the classic or bus-isolation algorithm over
 * every function in probe order and returns the resulting table. No IOMMU → no groups.
 * The table is a value; the kernel layer turns it into live iommu_group objects.
 */
import type { PciFunction, ReservedRegion, Topology } from '../topology/index.js';
import { normalizeBdf } from '../topology/index.js';
import { GroupAssignment } from './assignment.js';
import { busIsolationDeviceGroup } from './bus-isolation.js';
import { classicDeviceGroup } from './classic.js';
import { dmaAliases } from './dma-alias.js';
import { groupRegions } from './reserved.js';

export { acsEnabled, acsPathEnabled, acsFlagsEnabled, acsRequiredBits, upstreamBridge, REQ_ACS_FLAGS } from './acs.js';
export type { AcsMaskVariant } from './acs.js';
export { forEachDmaAlias, dmaAliases, devsAreDmaAliases } from './dma-alias.js';
export type { DmaAlias } from './dma-alias.js';
export { busIsolation } from './bus-isolation.js';
export type { BusIsolation, BusClass } from './bus-isolation.js';
export { groupRegions, platformRegions, insertRegion } from './reserved.js';

export type GroupingAlgorithmName = 'classic' | 'bus-isolation';

export interface IommuGroupInfo {
  readonly id: number;
  /** Member BDFs in the order they joined (probe order). */
  readonly members: readonly string[];
  /** Bus-isolation: the group holds a non-isolated bus (everything below joins it). */
  readonly nonIsolated: boolean;
  /** Sorted, same-type overlaps merged; `end` inclusive (as sysfs prints it). */
  readonly reservedRegions: readonly ReservedRegion[];
}

export interface GroupTable {
  readonly algorithm: GroupingAlgorithmName;
  /** Ascending id. */
  readonly groups: readonly IommuGroupInfo[];
  groupOf(bdf: string): number | undefined;
  /** Why the function is where it is (names the rule), or why it has no group. */
  reasonOf(bdf: string): string;
  /** Every RID the IOMMU may see from this function (DMA alias walk), in walk order. */
  aliasesOf(bdf: string): number[];
}

export interface DeriveOptions {
  /** Default: the topology's `kernel.grouping`. */
  readonly algorithm?: GroupingAlgorithmName;
  /** BDFs to probe first, in this order; the rest follow in default probe order. */
  readonly probeOrder?: readonly string[];
}

function orderOf(topo: Topology, first: readonly string[] | undefined): PciFunction[] {
  if (!first) return [...topo.functions];
  const head: PciFunction[] = [];
  for (const b of first) {
    const f = topo.byBdf(b);
    if (!f) throw new RangeError(`deriveGroups: probeOrder names unknown function ${b}`);
    if (!head.includes(f)) head.push(f);
  }
  return [...head, ...topo.functions.filter((f) => !head.includes(f))];
}

function runClassic(order: readonly PciFunction[], st: GroupAssignment): void {
  for (const f of order) st.apply(f, classicDeviceGroup(f, st));
}

/** Deferred devices are retried after each pass, as the driver core retries -EPROBE_DEFER. */
function runBusIsolation(order: readonly PciFunction[], st: GroupAssignment): void {
  let queue = [...order];
  const deferredWhy = new Map<PciFunction, string>();
  while (queue.length > 0) {
    const next: PciFunction[] = [];
    for (const f of queue) {
      const d = busIsolationDeviceGroup(f, st);
      if ('defer' in d) { next.push(f); deferredWhy.set(f, d.defer); continue; }
      const why = deferredWhy.get(f);
      st.apply(f, why ? { ...d, reason: `${d.reason} [after -EPROBE_DEFER: ${why}]` } : d);
    }
    if (next.length === queue.length) {
      for (const f of next) st.apply(f, { group: null, reason: `new group {id}: probing never became possible (${deferredWhy.get(f)})` });
      break;
    }
    queue = next;
  }
}

export function deriveGroups(topology: Topology, opts: DeriveOptions = {}): GroupTable {
  const algorithm = opts.algorithm ?? topology.kernel.grouping;
  const order = orderOf(topology, opts.probeOrder);
  const st = new GroupAssignment();
  const iommu = topology.iommu;
  if (iommu) {
    if (algorithm === 'classic') runClassic(order, st);
    else runBusIsolation(order, st);
  }
  const groups: IommuGroupInfo[] = st.groups().map((g) => ({
    id: g.id,
    members: g.members.map((m) => m.bdf),
    nonIsolated: g.nonIsolated,
    reservedRegions: groupRegions(g.members, iommu!.platform),
  }));
  const fn = (bdf: string) => {
    const k = normalizeBdf(bdf);
    return k === null ? undefined : topology.byBdf(k);
  };
  return {
    algorithm, groups,
    groupOf: (bdf) => { const f = fn(bdf); return f ? st.groupOf(f)?.id : undefined; },
    reasonOf: (bdf) => {
      const f = fn(bdf);
      if (!f) return `no such function ${bdf}`;
      if (!iommu) return 'no group: the machine has no IOMMU';
      return st.reasonOf(f) ?? 'no group';
    },
    aliasesOf: (bdf) => {
      const f = fn(bdf);
      return f ? [...new Set(dmaAliases(f).map((a) => a.rid))] : [];
    },
  };
}

/** An IOMMU group as it exists now, for placing a function that appears after boot. */
export interface LiveGroup {
  readonly id: number;
  readonly members: readonly PciFunction[];
  readonly nonIsolated: boolean;
}

/**
 * iommu_probe_device() → pci_device_group() for one function added after boot (a VF), given
 * the groups that exist: the id of the group it joins, or null for a new one, and why.
 */
export function placeAddedFunction(fn: PciFunction, live: readonly LiveGroup[], algorithm: GroupingAlgorithmName): { join: number | null; reason: string } {
  const st = new GroupAssignment();
  for (const g of live) st.seed(g.id, g.members, g.nonIsolated);
  const d = algorithm === 'classic' ? classicDeviceGroup(fn, st) : busIsolationDeviceGroup(fn, st);
  if ('defer' in d) return { join: null, reason: `new group: ${d.defer}` };
  const id = d.group?.id ?? null;
  return { join: id, reason: d.reason.replaceAll('{id}', id === null ? 'new' : String(id)) };
}
