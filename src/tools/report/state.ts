/**
 * A plain snapshot of what a teacher wants to see of a running host: the PCI tree and its
 * groups (machine.ts), which groups sit in which container, every IOMMU address space that
 * holds mappings with the devices translating through it, the faults, and which devices
 * do DMA the IOMMU does not check. The pictures and the playground draw from this.
 *
 * It reads the kernel's VFIO state through its types: VfioGroup.container (the container
 * and its type1 backend) or VfioGroup.iommufd, and the iommufd contexts processes hold open.
 * Pure: it never changes the host.
 */
import type { Host } from '../../host/host.js';
import type { FaultRecord } from '../../hardware/iommu/faults.js';
import type { TraceEntry } from '../../base/trace.js';
import { formatNs } from '../../base/trace-format.js';
import type { IommuDomain } from '../../hardware/iommu/domain.js';
import type { PciFunction } from '../../hardware/topology/model.js';
import type { IommufdCtx } from '../../kernel/iommufd/context.js';
import { iommufdCtxOfFile } from '../../kernel/iommufd/main.js';
import type { VfioContainer } from '../../kernel/vfio/container.js';
import type { GroupIommufd } from '../../kernel/vfio/group-fd.js';
import type { Type1Iommu } from '../../kernel/vfio/type1/vfio-iommu.js';
import { machineReport, treeChildren, type MachineReport } from './machine.js';
import { p2pEscapes, p2pText, type P2pSnap } from './p2p.js';
import { stoppedByAcs, type StopSnap } from './stopped.js';

export interface MappingSnap {
  readonly iova: bigint;
  readonly pa: bigint;
  readonly size: bigint;
  readonly read: boolean;
  readonly write: boolean;
}

export interface DomainSnap {
  readonly id: number;
  readonly type: string;
  /** Functions whose requests translate through this domain (full bdfs). */
  readonly devices: readonly string[];
  /** IOMMU groups whose functions attach here. */
  readonly groups: readonly number[];
  /** Leaves merged where both IOVA and PA run on with the same permissions, IOVA order. */
  readonly mappings: readonly MappingSnap[];
  /** Container or IOAS owning it, when known ("container 1"). */
  readonly owner: string | null;
  /** A user's address space (a VFIO container's or an IOAS's), not one the kernel keeps for a host driver. */
  readonly user: boolean;
}

export interface ContainerSnap {
  readonly label: string;
  readonly kind: 'container' | 'iommufd';
  readonly groups: readonly number[];
  /** The IOMMU backend ("VFIO_TYPE1v2_IOMMU", "noiommu") or null before SET_IOMMU. */
  readonly backend: string | null;
  /** User mappings the backend tracks (type1's vfio_dma list): iova → vaddr. */
  readonly dmas: ReadonlyArray<{ readonly iova: bigint; readonly size: bigint; readonly vaddr: bigint }>;
}

export interface HostState {
  readonly machine: MachineReport;
  /** The PCI tree in drawing order (depth-first, VFs after children), with each row's depth. */
  readonly rows: ReadonlyArray<{ readonly bdf: string; readonly depth: number }>;
  readonly containers: readonly ContainerSnap[];
  readonly domains: readonly DomainSnap[];
  readonly faults: readonly FaultRecord[];
  /** Devices bound to VFIO whose DMA no IOMMU checks (no-IOMMU mode): they reach all of RAM. */
  readonly unchecked: readonly string[];
  /**
   * What got past isolation, from the trace: requests routed around the IOMMU (peer to
   * peer inside a switch), DMA of unchecked devices, interrupts nobody set up.
   */
  readonly escapes: ReadonlyArray<{ readonly time: bigint; readonly who: string; readonly text: string }>;
  /** The peer-to-peer requests among the escapes, with their route through the tree. */
  readonly p2p: readonly P2pSnap[];
  /** Requests ACS dropped, or redirected up to the IOMMU instead of letting them reach a peer. */
  readonly stopped: readonly StopSnap[];
  readonly now: bigint;
}

function mergedLeaves(d: IommuDomain): MappingSnap[] {
  const out: Array<{ iova: bigint; pa: bigint; size: bigint; read: boolean; write: boolean }> = [];
  for (const l of d.pageTable.leaves()) {
    const last = out[out.length - 1];
    if (last !== undefined && last.iova + last.size === l.iova && last.pa + last.size === l.pa && last.read === l.read && last.write === l.write) last.size += l.size;
    else out.push({ iova: l.iova, pa: l.pa, size: l.size, read: l.read, write: l.write });
  }
  return out;
}

/** The user mappings type1 tracks (its vfio_dma list), IOVA order. */
function dmasOf(t: Type1Iommu | null): ContainerSnap['dmas'] {
  if (t === null) return [];
  return [...t.dmas.entries()].map((e) => ({ iova: e.value.iova, size: e.value.size, vaddr: e.value.vaddr }));
}

/** Every iommufd context a process holds open, in task and fd order. */
function iommufdContexts(host: Host): IommufdCtx[] {
  const out: IommufdCtx[] = [];
  for (const t of [...host.kernel.tasks.values()]) {
    for (const fd of t.openFds()) {
      const file = t.file(fd);
      const ctx = file === undefined ? null : iommufdCtxOfFile(file);
      if (ctx !== null && !out.includes(ctx)) out.push(ctx);
    }
  }
  return out;
}

/** One box per IOAS in use: the groups whose devices attach to its page tables. */
function ioasBoxes(host: Host, owners: Map<number, string>): ContainerSnap[] {
  const out: ContainerSnap[] = [];
  iommufdContexts(host).forEach((ctx, n) => {
    const byIoas = new Map<number, number[]>();
    for (const [group, ig] of ctx.igroups) {
      if (ig.hwpt === null) continue;
      const label = `iommufd ${n + 1}, IOAS ${ig.hwpt.ioas.id}`;
      owners.set(ig.hwpt.domain.id, label);
      byIoas.set(ig.hwpt.ioas.id, [...(byIoas.get(ig.hwpt.ioas.id) ?? []), group.id]);
    }
    for (const [id, groups] of [...byIoas].sort((a, b) => a[0] - b[0])) out.push({ label: `iommufd ${n + 1}, IOAS ${id}`, kind: 'iommufd', groups: groups.sort((a, b) => a - b), backend: 'iommufd', dmas: [] });
  });
  return out;
}

/** A container's box: its backend and type1's mappings; the backend's domains are owned by it. */
function containerSnap(c: VfioContainer, owners: Map<number, string>): ContainerSnap & { groups: number[] } {
  const label = `container ${c.id}`;
  const data = c.backend?.inst.data ?? null;
  for (const d of data?.domains ?? []) owners.set(d.hw.id, label);
  return { label, kind: 'container', groups: [], backend: c.backend?.ops.name ?? null, dmas: dmasOf(data) };
}

/**
 * Containers, and groups given an iommufd through VFIO_GROUP_SET_CONTAINER (one box per
 * group, numbered among the boxes), in group order; then the IOASes of open iommufds.
 */
function containers(host: Host, owners: Map<number, string>): ContainerSnap[] {
  const seen = new Map<VfioContainer | GroupIommufd, ContainerSnap & { groups: number[] }>();
  for (const g of host.kernel.vfio.groups.values()) {
    const c = g.container ?? g.iommufd;
    if (c === null) continue;
    let snap = seen.get(c);
    if (snap === undefined) {
      snap = g.container !== null ? containerSnap(g.container, owners) : { label: `iommufd ${seen.size + 1}`, kind: 'iommufd', groups: [], backend: null, dmas: [] };
      seen.set(c, snap);
    }
    snap.groups.push(g.id);
  }
  return [...[...seen.values()].map((s) => ({ ...s, groups: s.groups.sort((a, b) => a - b) })), ...ioasBoxes(host, owners)];
}

/** A DMA an unchecked (no-IOMMU) device did: the fabric's or the device model's own line of it. */
const uncheckedUse = (e: { kind: string; text: string }): boolean =>
  (e.kind === 'dma' || e.kind === 'device') && /\b(write|read)\b[^:]*0x[0-9a-f]+/.test(e.text) && !/never sees|failed/i.test(e.text);

/**
 * Why trace entry `e` is an escape ('' when its text says it all), or null: DMA of a device
 * no IOMMU checks; DMA before the IOMMU translates (the boot window, threat T12); a translated
 * request the IOMMU let through unchecked (ATS, threat T7); an interrupt nobody set up.
 */
function escapeReason(host: Host, e: TraceEntry, unchecked: ReadonlySet<string>, faults: readonly FaultRecord[]): string | null {
  if (e.kind === 'irq') return /spurious/i.test(e.text) ? '' : null;
  if (!uncheckedUse(e)) return null;
  if (unchecked.has(e.who)) return '';
  const on = host.machine.fabric.iommuEnabledAt;
  if (host.iommu !== null && on > 0n && e.time < on) return ` at t = ${formatNs(e.time)}, before the IOMMU translated (from t = ${formatNs(on)}): straight to memory`;
  const refused = faults.some((f) => f.time === e.time && f.source === e.who && f.at === 'translated');
  if (/\(translated\)/.test(e.text) && !refused) return ': a translated (ATS) request, which the IOMMU passes on without reading the page table';
  return null;
}

/** Every address space some device translates through or that holds mappings: the user's first, the kernel's after. */
function domainsOf(host: Host, machine: MachineReport, owners: ReadonlyMap<number, string>): DomainSnap[] {
  const iommu = host.iommu;
  const domains: DomainSnap[] = [];
  if (iommu !== null) {
    const groupOf = new Map(machine.functions.map((f) => [f.bdf, f.group] as const));
    for (const d of iommu.domainsList()) {
      const devices = [...host.topology.functions, ...host.machine.addedFunctions()].filter((f) => iommu.contextOf(f.rid)?.domain === d).map((f) => f.bdf);
      const mappings = d.translates ? mergedLeaves(d) : [];
      if (mappings.length === 0 && d.type !== 'unmanaged') continue;
      if (devices.length === 0 && mappings.length === 0) continue;
      const groups = [...new Set(devices.map((b) => groupOf.get(b)).filter((x): x is number => typeof x === 'number'))].sort((a, b) => a - b);
      const owner = owners.get(d.id) ?? null;
      domains.push({ id: d.id, type: d.type, devices, groups, mappings, owner, user: owner !== null || d.type === 'unmanaged' });
    }
  }
  // the user's address spaces first, the kernel's DMA domains after (stable: id order within each)
  domains.sort((a, b) => Number(b.user) - Number(a.user));
  return domains;
}

/** Snapshot `host` now. */
export function hostState(host: Host): HostState {
  const machine = machineReport(host);
  const owners = new Map<number, string>();
  const cs = containers(host, owners);
  const domains = domainsOf(host, machine, owners);
  const unchecked = [...host.kernel.vfio.groups.values()].filter((g) => g.type === 'noiommu').flatMap((g) => g.devices.map((d) => d.name));
  const rows: Array<{ bdf: string; depth: number }> = [];
  const walk = (f: PciFunction, depth: number): void => {
    rows.push({ bdf: f.bdf, depth });
    for (const c of treeChildren(host, f)) walk(c, depth + 1);
  };
  for (const f of host.topology.functions) if (f.parent === null && f.physfn === null) walk(f, 0);
  const uncheckedSet = new Set(unchecked);
  const p2p = p2pEscapes(host);
  const faults = host.faults();
  const traced = host.trace.list().flatMap((e) => {
    const why = escapeReason(host, e, uncheckedSet, faults);
    return why === null ? [] : [{ time: e.time, who: e.who, text: why === '' ? e.text : `${e.text}${why}` }];
  });
  // P2P from the fabric's own log (structured), the rest from the trace; by time, stable
  const escapes = [...p2p.map((e) => ({ time: e.time, who: e.source, text: p2pText(e) })), ...traced].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  return { machine, rows, containers: cs, domains, faults, unchecked, escapes, p2p, stopped: stoppedByAcs(host, faults), now: host.clock.now() };
}
