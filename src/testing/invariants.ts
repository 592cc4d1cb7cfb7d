/**
 * The isolation invariant checker: what must hold at every instant of a simulated machine,
 * whatever sequence of syscalls and device actions led there.
 *
 * Two kinds of finding:
 *  - a **violation** is a simulator (or kernel-model) bug: state that Linux would never be
 *    in — a group whose requester ids point at a different domain than the group's, a
 *    user-owned domain that maps a freed page or keeps a stale IOTLB entry, memlock
 *    accounting over the limit, a file in an fd table that was already released;
 *  - an **exposure** is the configuration's doing, for a teacher to see: a device whose
 *    DMA is untranslated (identity domain, no IOMMU), a P2P path between functions of
 *    different owners that the IOMMU cannot police, ATS enabled, a kernel flush-queue
 *    window. Every byte a device can reach is either covered by a mapping its owner made,
 *    or shows up here.
 *
 * Invariant of this module: it only reads state (no DMA, no IOTLB lookups that count).
 */
import type { Host } from '../host/host.js';
import type { IommuDomain } from '../hardware/iommu/domain.js';
import type { Iommu } from '../hardware/iommu/iommu.js';
import type { PciFunction } from '../hardware/topology/model.js';
import { routeRequest } from '../hardware/fabric/route.js';
import type { IommuGroup } from '../kernel/iommu/iommu-group.js';
import { freeFrameExtents, iommuGroups, pciDevice, pciDevices, tasks, vfioGroups } from './kernel-view.js';

export interface Violation {
  readonly rule: string;
  readonly detail: string;
}

export type ExposureKind = 'no-iommu' | 'untranslated' | 'p2p' | 'ats' | 'flush-queue-window';

export interface Exposure {
  readonly kind: ExposureKind;
  /** The device that can reach what it should not. */
  readonly device: string;
  readonly detail: string;
}

export interface IsolationReport {
  readonly violations: Violation[];
  readonly exposures: Exposure[];
}

export interface CheckOptions {
  /** Look for P2P paths between functions of different owners (O(n²) routes; default true). */
  readonly p2p?: boolean;
}

type Group = IommuGroup;

/** Who a function's DMA belongs to: a user (the group's DMA owner), the kernel, or nobody. */
export function ownerOf(host: Host, bdf: string): object | 'kernel' | 'none' {
  const dev = pciDevice(host, bdf);
  if (dev === undefined) return 'none';
  const g = dev.group;
  if (g !== null && g.owner !== null) return g.owner;
  return dev.driver !== null ? 'kernel' : 'none';
}

function groups(host: Host): readonly Group[] {
  return iommuGroups(host);
}

/** Check everything; see the module comment for what each finding means. */
export function checkInvariants(host: Host, opts: CheckOptions = {}): IsolationReport {
  const violations: Violation[] = [];
  const exposures: Exposure[] = [];
  const v = (rule: string, detail: string): void => void violations.push({ rule, detail });
  const iommu = host.iommu;
  if (iommu !== null) {
    checkGroups(host, iommu, v);
    checkUserDomains(host, iommu, v);
    hardwareExposures(host, iommu, exposures);
  } else {
    for (const dev of pciDevices(host)) {
      if (dev.driver !== null && !dev.fn.isBridge) exposures.push({ kind: 'no-iommu', device: dev.bdf, detail: 'no IOMMU: DMA reaches all of memory' });
    }
  }
  checkTasks(host, v);
  if (opts.p2p !== false) p2pExposures(host, exposures);
  return { violations, exposures };
}

/** Context entries agree with the groups; ownership counters are consistent. */
function checkGroups(host: Host, iommu: Iommu, v: (r: string, d: string) => void): void {
  const seen = new Map<number, number>();
  for (const g of groups(host)) {
    for (const rid of g.rids) {
      const other = seen.get(rid);
      if (other !== undefined) v('rid-unique', `RID 0x${rid.toString(16).padStart(4, '0')} belongs to groups ${other} and ${g.id}`);
      seen.set(rid, g.id);
      const d = g.domain;
      if (d === null) continue;
      const ctx = iommu.contextOf(rid);
      const good = d.type === 'blocked' ? ctx === undefined || ctx.mode === 'blocked' : ctx !== undefined && ctx.domain === d;
      if (!good) v('context-coherent', `group ${g.id}: RID 0x${rid.toString(16)} does not point at the group's ${d.type} domain ${d.id}`);
    }
    if (g.owner !== null && g.ownerCount < 1) v('owner-count', `group ${g.id} has an owner but ownerCount ${g.ownerCount}`);
    if (g.owner !== null && g.domain !== null && g.domain === g.defaultDomain) v('owned-not-default', `group ${g.id} is user-owned but on its default domain`);
    if (g.ownerCount < 0) v('owner-count', `group ${g.id}: negative ownerCount`);
  }
  for (const vg of vfioGroups(host)) {
    // A legacy container claims the whole group at SET_CONTAINER; a group given an iommufd
    // claims nothing until a device binds (vfio_group_ioctl_set_container), so it is exempt.
    const legacy = vg.container !== null;
    if (legacy && vg.type === 'iommu' && vg.iommuGroup.owner === null) v('container-owns-group', `VFIO group ${vg.id} is in a container but its IOMMU group has no DMA owner`);
  }
}

/** Every page a user-owned domain maps is live (allocated RAM or MMIO); no stale IOTLB entry. */
function checkUserDomains(host: Host, iommu: Iommu, v: (r: string, d: string) => void): void {
  const free = freeFrameExtents(host);
  const done = new Set<number>();
  for (const g of groups(host)) {
    const d = g.domain;
    if (g.owner === null || d === null || !d.translates || done.has(d.id)) continue;
    done.add(d.id);
    if (d.lazyFlush) v('user-domain-strict', `domain ${d.id} of user-owned group ${g.id} flushes lazily`);
    for (const leaf of d.pageTable.leaves()) {
      const hit = firstFreeIn(free, Number(leaf.pa >> 12n), Number(leaf.size >> 12n));
      if (hit !== null && !isMmio(host, BigInt(hit) << 12n)) {
        v('no-freed-page', `domain ${d.id} maps IOVA 0x${leaf.iova.toString(16)} to freed frame 0x${hit.toString(16)}`);
      }
    }
    for (const e of iommu.iotlb.entries(d.id)) {
      if (d.pageTable.walk(e.iovaPfn) !== e) v('no-stale-iotlb', `domain ${d.id}: IOTLB caches IOVA 0x${(BigInt(e.iovaPfn) << 12n).toString(16)} that the page table no longer maps`);
    }
  }
}

/** The first free frame in [pfn, pfn+n), or null; `free` is sorted disjoint [start, count]. */
function firstFreeIn(free: ReadonlyArray<readonly [number, number]>, pfn: number, n: number): number | null {
  let lo = 0;
  let hi = free.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const [s, c] = free[mid]!;
    if (s + c <= pfn) lo = mid + 1;
    else hi = mid;
  }
  const e = free[lo];
  if (e === undefined || e[0] >= pfn + n) return null;
  return Math.max(e[0], pfn);
}

function isMmio(host: Host, pa: bigint): boolean {
  return host.topology.functions.some((f) => f.bars.some((b) => !b.io && pa >= b.address && pa < b.address + b.size));
}

function hardwareExposures(host: Host, iommu: Iommu, out: Exposure[]): void {
  for (const f of host.topology.functions) {
    if (f.isBridge) continue;
    const ctx = iommu.contextOf(f.rid);
    if (ctx === undefined) continue;
    if (ctx.mode === 'passthrough') out.push({ kind: 'untranslated', device: f.bdf, detail: 'identity domain: DMA reaches all of memory' });
    if (ctx.atsAllowed) out.push({ kind: 'ats', device: f.bdf, detail: 'translated requests are forwarded unchecked' });
    if (ctx.mode === 'translate' && ctx.domain.lazyFlush) {
      const stale = iommu.iotlb.entries(ctx.domain.id).filter((e) => ctx.domain.pageTable.walk(e.iovaPfn) !== e);
      if (stale.length > 0) out.push({ kind: 'flush-queue-window', device: f.bdf, detail: `${stale.length} stale IOTLB entr${stale.length === 1 ? 'y' : 'ies'} until the flush queue drains` });
    }
  }
}

/** memlock accounting and fd lifetimes of every task. */
function checkTasks(host: Host, v: (r: string, d: string) => void): void {
  for (const t of tasks(host)) {
    const mm = t.mm;
    if (mm.lockedVm < 0n || mm.pinnedVm < 0n) v('memlock-nonnegative', `${t.name}: locked_vm ${mm.lockedVm} pinned_vm ${mm.pinnedVm}`);
    if (!t.capable('CAP_IPC_LOCK') && mm.lockedVm * 4096n > t.rlimitMemlock) v('memlock-limit', `${t.name}: locked_vm ${mm.lockedVm} pages over RLIMIT_MEMLOCK ${t.rlimitMemlock}`);
    const fds = t.openFds();
    for (const fd of fds) {
      const f = t.file(fd)!;
      if (f.released || f.refs < 1) v('fd-live', `${t.name}: fd ${fd} (${f.path}) refers to a released file`);
    }
    if (fds.length === 0 && (mm.lockedVm !== 0n || mm.pinnedFrames() !== 0)) {
      v('idle-unpinned', `${t.name} has no open files but locked_vm ${mm.lockedVm}, ${mm.pinnedFrames()} pinned frames`);
    }
  }
}

/** Functions of different owners that can reach each other's BARs without the IOMMU. */
function p2pExposures(host: Host, out: Exposure[]): void {
  const fns = host.topology.functions.filter((f) => !f.isBridge && f.type !== 'host-bridge');
  const owners = new Map(fns.map((f) => [f.bdf, ownerOf(host, f.bdf)] as const));
  for (const a of fns) {
    for (const b of fns) {
      if (a === b || owners.get(a.bdf) === owners.get(b.bdf)) continue;
      const bar = firstMemBar(b);
      if (bar === null) continue;
      const r = routeRequest(host.topology.functions, a, { addr: bar, rid: a.rid, at: 'untranslated' });
      if (r.kind === 'peer' && r.target === b) out.push({ kind: 'p2p', device: a.bdf, detail: `reaches ${b.bdf} BAR${r.bar} by ${r.via} P2P, never seen by the IOMMU` });
    }
  }
}

function firstMemBar(f: PciFunction): bigint | null {
  const b = f.bars.find((x) => !x.io && x.index < 6 && x.size > 0n);
  return b === undefined ? null : b.address;
}
