/**
 * Builds the Topology from schema-valid, semantically-checked input: creates functions
 * and buses, fills defaults (ids, drivers, ACS registers, reset methods), expands SR-IOV
 * VFs, computes probe order, then hands BAR placement to resources.ts.
 */
import { formatBdf, normalizeBdf, parseBdfLoose, ridOf } from './bdf.js';
import { planBuses } from './buses.js';
import type { BusDraft, FnDraft } from './draft.js';
import { flatten, isBridgeType, type FlatNode } from './flatten.js';
import type { TopologyIssue } from './issues.js';
import type { DeviceModelInfo, ModelCatalog } from './model-catalog.js';
import type { IommuConfig, KernelConfig, PciFunction, Platform, Topology } from './model.js';
import { ACS_BASIC_NAMES, PCI_ACS, PCI_EXP_TYPE, type AcsName } from './pci-consts.js';
import { ramLayout } from './ram.js';
import { assignResources } from './resources.js';
import type { TopologyParsed, IommuParsed } from './schema.js';
import { vfAddresses, vfExtraBuses } from './sriov.js';
import { DEFAULT_SUBSYSTEM, TYPE_INFO } from './type-defaults.js';
import { fillFunctionDefaults, finishDefaults } from './defaults.js';

export function acsBits(names: readonly AcsName[]): number {
  let bits = 0;
  for (const n of names) bits |= PCI_ACS[n];
  return bits;
}

/** ACS Capability from the `acs` list: basic bits, plus ENHANCED if any enhanced name. */
function acsCapOf(names: readonly AcsName[]): number {
  const basic = names.filter((n) => (ACS_BASIC_NAMES as readonly string[]).includes(n));
  const enhanced = names.some((n) => !(ACS_BASIC_NAMES as readonly string[]).includes(n));
  return acsBits(basic) | (enhanced ? PCI_ACS.ENHANCED : 0);
}

function acsCtrlOf(names: readonly AcsName[]): number {
  return acsBits(names.filter((n) => n !== 'ENHANCED'));
}

function iommuConfig(i: IommuParsed): IommuConfig {
  const sizes = [...new Set(i.pageSizes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    platform: i.platform, addressWidth: i.addressWidth, pageSizes: sizes,
    pageSizeBitmap: sizes.reduce((m, s) => m | s, 0n),
    interruptRemapping: i.interruptRemapping, invalidation: i.invalidation,
    fqSize: i.fqSize, fqTimeoutNs: BigInt(i.fqTimeoutMs) * 1_000_000n, faultSlots: i.faultSlots, dirtyTracking: i.dirtyTracking,
    enabledAtNs: i.enabledAtNs, pageTablePages: i.pageTablePages ?? null,
  };
}

const DEFAULT_IOMMU: IommuParsed = {
  platform: 'intel', addressWidth: 48, pageSizes: [1n << 12n, 1n << 21n, 1n << 30n],
  interruptRemapping: true, invalidation: 'lazy', fqSize: 256, fqTimeoutMs: 10, faultSlots: 8, dirtyTracking: true, enabledAtNs: 0n,
};

/** Siblings in devfn order, each bridge's subtree right after its bus (Linux probe order). */
export function probeOrderOf(nodes: readonly FlatNode[]): FlatNode[] {
  const byParent = new Map<FlatNode | null, FlatNode[]>();
  for (const n of nodes) {
    const list = byParent.get(n.parent) ?? [];
    list.push(n);
    byParent.set(n.parent, list);
  }
  const out: FlatNode[] = [];
  const visitBus = (parent: FlatNode | null) => {
    const kids = [...(byParent.get(parent) ?? [])].sort((a, b) => a.addr.devfn - b.addr.devfn);
    out.push(...kids);
    for (const k of kids) if (isBridgeType(k.node.type)) visitBus(k);
  };
  visitBus(null);
  return out;
}

function isConventional(n: FlatNode, memo: Map<FlatNode, boolean>): boolean {
  const hit = memo.get(n);
  if (hit !== undefined) return hit;
  const t = n.node.type;
  let conv = n.node.conventional === true || TYPE_INFO[t].portType === null;
  if (!conv && n.parent && t !== 'pci-to-pcie-bridge') {
    const p = n.parent;
    conv = TYPE_INFO[p.node.type].conventionalBelow ||
      (isConventional(p, memo) && p.node.type !== 'pci-to-pcie-bridge');
  }
  memo.set(n, conv);
  return conv;
}

function newBus(segment: number, number: number, self: FnDraft | null, parent: BusDraft | null, isVirtual = false): BusDraft {
  return { segment, number, self, parent, devices: [], isRoot: parent === null, isVirtual };
}

function draftFunction(n: FlatNode, conv: boolean, model: DeviceModelInfo | null, platform: Platform): FnDraft {
  const node = n.node;
  const ti = TYPE_INFO[node.type];
  const acsNames = node.acs ?? null;
  return {
    bdf: formatBdf(n.addr.segment, n.addr.bus, n.addr.devfn),
    segment: n.addr.segment, bus: n.addr.bus, devfn: n.addr.devfn, slot: n.addr.slot, fn: n.addr.fn,
    rid: ridOf(n.addr.bus, n.addr.devfn), path: n.path, type: node.type,
    isPcie: !conv, portType: conv ? null : ti.portType, headerType: ti.headerType,
    isBridge: ti.headerType === 1, multifunction: node.multifunction ?? false,
    acsCap: acsNames ? acsCapOf(acsNames) : null,
    acsCtrl: acsNames ? acsCtrlOf(node.acsCtrl ?? acsNames) : null, acsNames,
    parentBus: null as unknown as BusDraft, parent: null, subordinate: null, children: [],
    secondaryBus: null, subordinateBus: null, windows: null,
    dmaAliasDevfns: [], quirks: {
      acs: node.acsQuirk ?? null, pcieBridgeAlias: node.pcieBridgeAliasQuirk ?? false,
      xlateRoot: node.xlateRoot ?? false,
    },
    realDmaDev: null, physfn: null, isVf: false, vfIndex: null, vfs: [],
    sriov: node.sriov ? {
      totalVfs: node.sriov.totalVfs, numVfs: node.sriov.numVfs, offset: node.sriov.offset,
      stride: node.sriov.stride, vfModel: node.sriov.vfModel ?? null,
      vfDevice: node.sriov.vfDevice ?? null, vfDriver: node.sriov.vfDriver ?? null,
    } : null,
    vendor: node.vendor ?? model?.vendor ?? ti.vendor,
    device: node.device ?? model?.device ?? ti.device,
    subsystemVendor: node.subsystemVendor ?? model?.subsystemVendor ?? DEFAULT_SUBSYSTEM.vendor,
    subsystemDevice: node.subsystemDevice ?? model?.subsystemDevice ?? DEFAULT_SUBSYSTEM.device,
    classCode: node.class ?? model?.classCode ?? ti.classCode,
    revision: node.revision ?? model?.revision ?? 0,
    interruptPin: model?.interruptPin ?? (node.type === 'host-bridge' ? 0 : 1),
    model: node.model ?? null, modelInfo: model, params: node.params ?? {},
    driver: node.driver !== undefined ? node.driver : ti.pciePort && !conv ? 'pcieport' : null,
    bars: [], barsFromInput: node.bars !== undefined, internalP2P: false, untrusted: node.untrusted ?? false,
    atsCapable: node.atsCapable ?? false, priCapable: node.priCapable ?? false,
    iommuDirtyTracking: node.iommuDirtyTracking ?? true, resetMethods: [], hasMmio: false,
    ...fillFunctionDefaults(node, model, platform, conv),
  };
}

function makeVf(pf: FnDraft, index: number, bus: number, devfn: number, models: ModelCatalog): FnDraft {
  const s = pf.sriov!;
  const m = s.vfModel ? models.get(s.vfModel) ?? null : null;
  return {
    ...pf, bdf: formatBdf(pf.segment, bus, devfn), bus, devfn, slot: devfn >> 3, fn: devfn & 7,
    rid: ridOf(bus, devfn), path: `${pf.path}.sriov`, type: 'endpoint', isPcie: true,
    portType: PCI_EXP_TYPE.ENDPOINT, headerType: 0, isBridge: false, multifunction: false,
    acsCap: null, acsCtrl: null, acsNames: null, subordinate: null, children: [],
    secondaryBus: null, subordinateBus: null, windows: null, dmaAliasDevfns: [],
    quirks: { acs: null, pcieBridgeAlias: false, xlateRoot: false }, realDmaDev: null,
    physfn: pf, isVf: true, vfIndex: index, vfs: [], sriov: null,
    device: s.vfDevice ?? m?.device ?? pf.device,
    interruptPin: 0, model: s.vfModel, modelInfo: m, params: {}, driver: s.vfDriver, bars: [],
    barSpecs: (m?.bars ?? []).map((b) => ({ ...b, address: undefined })), barsFromInput: false,
    capabilities: { msi: m?.msi ?? null, msix: m?.msix ?? null, pm: false, flr: true },
    reservedRegions: [], internalP2P: false, untrusted: pf.untrusted, atsCapable: pf.atsCapable, priCapable: false,
    iommuDirtyTracking: pf.iommuDirtyTracking,
    resetMethods: ['flr'], hasMmio: false,
  };
}

export interface BuildResult {
  readonly topology: Topology | null;
  readonly issues: TopologyIssue[];
}

/** `flat` is `flatten(input.pci)` when the caller already has it (parse does, for validation). */
export function buildTopology(input: TopologyParsed, models: ModelCatalog, flat?: readonly FlatNode[]): BuildResult {
  const issues: TopologyIssue[] = [];
  const nodes = flat ?? flatten(input.pci);
  const iommu = input.iommu === null ? null : iommuConfig(input.iommu ?? DEFAULT_IOMMU);
  const platform: Platform = iommu?.platform ?? 'intel';
  const order = probeOrderOf(nodes);
  const plan = planBuses(nodes, order, vfExtraBuses(nodes), issues);
  const memo = new Map<FlatNode, boolean>();
  const drafts = new Map<FlatNode, FnDraft>();
  for (const n of nodes) {
    const model = n.node.model !== undefined ? models.get(n.node.model) ?? null : null;
    drafts.set(n, draftFunction(n, isConventional(n, memo), model, platform));
  }
  const first = order[0];
  const root = newBus(first?.addr.segment ?? 0, first?.addr.bus ?? 0, null, null);
  const buses: BusDraft[] = [root];
  linkTree(order, drafts, plan.secondary, root, buses);
  const functions = order.map((n) => drafts.get(n)!);
  deriveMultifunction(functions, nodes, drafts);
  functions.push(...expandVfs(functions, buses, models, issues));
  resolveLinks(nodes, drafts, functions);
  const nodeOf = new Map([...drafts].map(([n, f]) => [f, n.node]));
  for (const f of functions) finishDefaults(f, nodeOf.get(f) ?? null);
  checkBusRanges(buses, issues);
  const ramRanges = ramLayout(input.ramBytes, platform);
  assignResources(root, functions, ramRanges, platform, issues);
  if (issues.length > 0) return { topology: null, issues };
  const kernel: KernelConfig = input.kernel ?? { grouping: 'classic', params: {}, ownershipModel: 'dma-owner' };
  return { topology: makeTopology(input, ramRanges, platform, iommu, kernel, functions, buses, root), issues };
}

function linkTree(order: readonly FlatNode[], drafts: Map<FlatNode, FnDraft>, secondary: Map<FlatNode, number>,
  root: BusDraft, buses: BusDraft[]): void {
  for (const n of order) {
    const f = drafts.get(n)!;
    const bus = n.parent ? drafts.get(n.parent)!.subordinate! : root;
    f.parentBus = bus;
    f.parent = bus.self;
    bus.devices.push(f);
    if (bus.self) bus.self.children.push(f);
    const sec = secondary.get(n);
    if (f.isBridge && sec !== undefined) {
      f.subordinate = newBus(f.segment, sec, f, bus);
      f.secondaryBus = sec;
      buses.push(f.subordinate);
    }
  }
}

/** Linux sets `multifunction` on every function of a slot that has more than one. */
function deriveMultifunction(functions: FnDraft[], nodes: readonly FlatNode[], drafts: Map<FlatNode, FnDraft>): void {
  const count = new Map<string, number>();
  const key = (f: FnDraft) => `${f.segment}:${f.bus}:${f.slot}`;
  for (const f of functions) count.set(key(f), (count.get(key(f)) ?? 0) + 1);
  for (const n of nodes) {
    const f = drafts.get(n)!;
    if (n.node.multifunction === undefined) f.multifunction = (count.get(key(f)) ?? 0) > 1;
  }
}

function expandVfs(pfs: readonly FnDraft[], buses: BusDraft[], models: ModelCatalog, issues: TopologyIssue[]): FnDraft[] {
  const taken = new Set(pfs.map((f) => f.bdf));
  const out: FnDraft[] = [];
  for (const pf of pfs) {
    if (!pf.sriov) continue;
    const node = { node: { sriov: pf.sriov }, addr: { bus: pf.bus, devfn: pf.devfn } } as unknown as FlatNode;
    for (const a of vfAddresses(node)) {
      const bdf = formatBdf(pf.segment, a.bus, a.devfn);
      if (a.rid > 0xffff) { issues.push({ path: `${pf.path}.sriov`, message: `VF ${a.index} would need a RID above ff:1f.7` }); break; }
      if (taken.has(bdf)) { issues.push({ path: `${pf.path}.sriov`, message: `VF ${a.index} at ${bdf} collides with an existing function` }); continue; }
      const bus = vfBus(pf, a.bus, buses, issues, a.index);
      if (!bus) continue;
      const vf = makeVf(pf, a.index, a.bus, a.devfn, models);
      vf.parentBus = bus;
      vf.parent = bus.self;
      bus.devices.push(vf);
      if (bus.self) bus.self.children.push(vf);
      pf.vfs.push(vf);
      taken.add(bdf);
      out.push(vf);
    }
  }
  return out;
}

function vfBus(pf: FnDraft, number: number, buses: BusDraft[], issues: TopologyIssue[], index: number): BusDraft | null {
  if (number === pf.bus) return pf.parentBus;
  const existing = buses.find((b) => b.segment === pf.segment && b.number === number);
  if (existing && !existing.isVirtual) {
    issues.push({ path: `${pf.path}.sriov`, message: `VF ${index} would sit on bus ${number.toString(16).padStart(2, '0')}, which a bridge already uses` });
    return null;
  }
  if (existing) return existing;
  const bus = newBus(pf.segment, number, null, pf.parentBus, true);
  buses.push(bus);
  return bus;
}

function resolveLinks(nodes: readonly FlatNode[], drafts: Map<FlatNode, FnDraft>, functions: FnDraft[]): void {
  const byBdf = new Map(functions.map((f) => [f.bdf, f]));
  for (const n of nodes) {
    const f = drafts.get(n)!;
    if (n.node.realDmaDev) f.realDmaDev = byBdf.get(normalizeBdf(n.node.realDmaDev)!) ?? null;
    const aliases = (n.node.dmaAliases ?? []).map((d) => parseBdfLoose(`00:${d}`)!.devfn);
    f.dmaAliasDevfns = [...new Set(aliases)].sort((a, b) => a - b);
  }
}


function checkBusRanges(buses: readonly BusDraft[], issues: TopologyIssue[]): void {
  const maxBelow = (b: BusDraft): number => {
    let max = b.number;
    for (const c of buses) if (c.parent === b) max = Math.max(max, maxBelow(c));
    return max;
  };
  for (const b of buses) if (b.self) b.self.subordinateBus = maxBelow(b);
  for (const b of buses) {
    const bridges = b.devices.filter((d) => d.subordinate);
    for (let i = 0; i < bridges.length; i++) {
      for (let j = i + 1; j < bridges.length; j++) {
        const x = bridges[i]!, y = bridges[j]!;
        if (x.secondaryBus! <= y.subordinateBus! && y.secondaryBus! <= x.subordinateBus!) {
          issues.push({ path: y.path, message: `bus range ${y.secondaryBus}-${y.subordinateBus} overlaps ${x.bdf}'s ${x.secondaryBus}-${x.subordinateBus}` });
        }
      }
    }
  }
}

function makeTopology(input: TopologyParsed, ramRanges: Topology['ramRanges'], platform: Platform,
  iommu: IommuConfig | null, kernel: KernelConfig, functions: readonly PciFunction[],
  buses: readonly BusDraft[], root: BusDraft): Topology {
  const byBdf = new Map(functions.map((f) => [f.bdf, f]));
  const byRid = new Map(functions.map((f) => [`${f.segment}:${f.rid}`, f]));
  return {
    name: input.name, description: input.description ?? null, ramBytes: input.ramBytes, ramRanges,
    platform, iommu, kernel, functions, buses, rootBus: root,
    byBdf: (bdf) => { const k = normalizeBdf(bdf); return k === null ? undefined : byBdf.get(k); },
    byRid: (rid, segment = 0) => byRid.get(`${segment}:${rid}`),
  };
}
