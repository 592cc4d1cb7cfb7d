/**
 * What `vfio-sim machine` and `vfio-sim groups` show: the PCI tree, the IOMMU groups with
 * the reason each function landed where it did, and which groups VFIO could use now.
 * Pure functions of a Host, so the CLI, the playground and tests share them.
 */
import type { Host } from '../../host/host.js';
import type { PciFunction } from '../../hardware/topology/model.js';
import { groupViability } from '../../kernel/vfio/viability.js';
import { PCI_ACS } from '../../hardware/topology/pci-consts.js';

export interface FunctionReport {
  readonly bdf: string;
  readonly type: string;
  readonly vendor: string;
  readonly device: string;
  readonly class: string;
  readonly driver: string | null;
  readonly group: number | null;
  readonly reason: string;
  readonly acs: readonly string[] | null;
  /** The ACS controls enabled (of `acs`), or null without the capability. */
  readonly acsEnabled: readonly string[] | null;
  readonly model: string | null;
  /** SR-IOV PFs only: how many VFs the function can have and has enabled now. */
  readonly sriov?: { readonly totalVfs: number; readonly numVfs: number };
  /** VFs only: the PF. */
  readonly physfn?: string;
}

export interface GroupReport {
  readonly id: number;
  readonly members: readonly string[];
  readonly nonIsolated: boolean;
  readonly viable: boolean;
  /** Members bound to drivers that keep VFIO out. */
  readonly blockers: ReadonlyArray<{ readonly bdf: string; readonly driver: string }>;
  /** /dev/vfio/<id> exists (a member is bound to vfio-pci). */
  readonly devNode: boolean;
  readonly reservedRegions: ReadonlyArray<{ readonly start: string; readonly end: string; readonly type: string }>;
}

export interface MachineReport {
  readonly name: string;
  readonly grouping: string;
  readonly iommu: string;
  readonly functions: readonly FunctionReport[];
  readonly groups: readonly GroupReport[];
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

export function machineReport(host: Host): MachineReport {
  const k = host.kernel;
  const topo = host.topology;
  const table = k.groupTable;
  const functions = k.pci.devices.map((d): FunctionReport => ({
    bdf: d.bdf,
    type: d.fn.type,
    vendor: hex4(d.fn.vendor),
    device: hex4(d.fn.device),
    class: d.fn.classCode.toString(16).padStart(6, '0'),
    driver: d.driver?.name ?? null,
    group: d.group?.id ?? null,
    reason: d.fn.isVf && table?.groupOf(d.bdf) === undefined && d.group !== null
      ? `group ${d.group.id}: VF added at run time (pci_device_group applied to it then)`
      : table?.reasonOf(d.bdf) ?? 'no IOMMU: no group',
    acs: d.fn.acsNames,
    acsEnabled: d.fn.acsNames === null ? null : d.fn.acsNames.filter((n) => ((d.fn.acsCtrl ?? 0) & (PCI_ACS as Record<string, number>)[n]!) !== 0),
    model: d.fn.model,
    ...(d.sriov !== null && d.fn.sriov !== null ? { sriov: { totalVfs: d.fn.sriov.totalVfs, numVfs: d.sriov.numVfs } } : {}),
    ...(d.fn.physfn !== null ? { physfn: d.fn.physfn.bdf } : {}),
  }));
  const model = topo.kernel.ownershipModel;
  const groups = k.iommuCore.list().map((g): GroupReport => {
    const v = groupViability(g, model);
    return {
      id: g.id,
      members: g.devices.map((d) => d.bdf),
      nonIsolated: g.nonIsolated,
      viable: v.viable,
      blockers: v.blockers,
      devNode: k.vfio.groups.has(g.id),
      reservedRegions: g.reservedRegions.map((r) => ({ start: `0x${r.start.toString(16)}`, end: `0x${r.end.toString(16)}`, type: r.type })),
    };
  });
  const io = topo.iommu;
  return {
    name: topo.name,
    grouping: topo.kernel.grouping,
    iommu: io === null ? 'none' : `${io.platform}, ${io.addressWidth}-bit, ${io.interruptRemapping ? 'interrupt remapping' : 'no interrupt remapping'}, ${io.invalidation} invalidation`,
    functions,
    groups,
  };
}

const TYPE_LABEL: Record<string, string> = {
  'host-bridge': 'host bridge',
  'root-port': 'root port',
  'switch-upstream': 'switch upstream port',
  'switch-downstream': 'switch downstream port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge',
  'pci-to-pcie-bridge': 'PCI-to-PCIe bridge',
  'pci-bridge': 'PCI bridge',
  endpoint: 'endpoint',
  rciep: 'RC integrated endpoint',
  rcec: 'RC event collector',
  'legacy-endpoint': 'legacy endpoint',
};

/**
 * A function's ACS as the capability it advertises and the controls enabled, apart:
 * "ACS SV RR CR UF · all enabled", "ACS cap SV RR CR UF · enabled none",
 * "ACS cap SV RR CR UF · enabled SV RR"; "ACS off" for a capability with no controls;
 * null without an ACS capability. Only enabled controls change routing and grouping.
 */
export function acsText(r: FunctionReport): string | null {
  if (r.acs === null) return null;
  if (r.acs.length === 0) return 'ACS off';
  const on = r.acsEnabled ?? [];
  if (on.length === r.acs.length) return `ACS ${r.acs.join(' ')} · all enabled`;
  return `ACS cap ${r.acs.join(' ')} · enabled ${on.length === 0 ? 'none' : on.join(' ')}`;
}

function fnLine(f: PciFunction, r: FunctionReport): string {
  const a = acsText(r);
  const acs = a === null ? '' : ` [${a}]`;
  const drv = r.driver === null ? 'no driver' : r.driver;
  const grp = r.group === null ? 'no group' : `group ${r.group}`;
  const model = f.model ? ` (${f.model})` : '';
  const iov = r.sriov ? ` [SR-IOV ${r.sriov.numVfs}/${r.sriov.totalVfs} VFs]` : '';
  return `${f.bdf} ${TYPE_LABEL[f.type] ?? f.type} ${r.vendor}:${r.device}${model}${acs}${iov} — ${drv}, ${grp}`;
}

/** A function's children in the tree: the functions below a bridge, and a PF's VFs as they are now. */
export function treeChildren(host: Host, f: PciFunction): PciFunction[] {
  const iov = host.kernel.pci.find(f.bdf)?.sriov;
  return [...f.children, ...(iov ? iov.vfs.map((d) => d.fn) : f.vfs)];
}

/** The PCI tree as indented text, one function per line. */
export function formatTree(host: Host, report = machineReport(host)): string {
  const byBdf = new Map(report.functions.map((f) => [f.bdf, f]));
  const lines: string[] = [];
  const walk = (f: PciFunction, prefix: string, last: boolean, top: boolean): void => {
    lines.push(top ? fnLine(f, byBdf.get(f.bdf)!) : `${prefix}${last ? '└─ ' : '├─ '}${fnLine(f, byBdf.get(f.bdf)!)}`);
    const kids = treeChildren(host, f);
    const next = top ? '' : prefix + (last ? '   ' : '│  ');
    kids.forEach((c, i) => walk(c, top ? '' : next, i === kids.length - 1, false));
  };
  for (const f of host.topology.functions) if (f.parent === null && f.physfn === null) walk(f, '', true, true);
  return lines.join('\n');
}

/** The groups, each with its members, the reason for each, and VFIO viability. */
export function formatGroups(report: MachineReport): string {
  if (report.groups.length === 0) return 'no IOMMU groups (the machine has no IOMMU)';
  const byBdf = new Map(report.functions.map((f) => [f.bdf, f]));
  const out: string[] = [];
  for (const g of report.groups) {
    const state = g.viable ? 'viable for VFIO' : `NOT viable: ${g.blockers.map((b) => `${b.bdf} is bound to ${b.driver}`).join('; ')}`;
    out.push(`group ${g.id}${g.nonIsolated ? ' (non-isolated bus)' : ''}: ${state}${g.devNode ? `, /dev/vfio/${g.id}` : ''}`);
    for (const m of g.members) out.push(`  ${m}  ${byBdf.get(m)?.reason ?? ''}`);
  }
  return out.join('\n');
}

/** Everything `vfio-sim machine` prints. */
export function formatMachine(host: Host): string {
  const r = machineReport(host);
  return [`machine: ${r.name}`, `iommu: ${r.iommu}; grouping: ${r.grouping}`, '', 'PCI tree:', formatTree(host, r), '', 'IOMMU groups:', formatGroups(r)].join('\n');
}
