/**
 * Semantic checks on the schema-valid input, before anything is built: addresses, the
 * shape of the bus tree, names that must resolve, and fields that only make sense on
 * some function types. Each issue carries the JSON path of the offending field.
 * BAR and SR-IOV placement checks run after building (resources.ts, build.ts).
 */
import { U64_MAX } from '../../base/u64.js';
import { formatBdf } from './bdf.js';
import type { FlatNode } from './flatten.js';
import { isBridgeType } from './flatten.js';
import type { TopologyIssue } from './issues.js';
import { formatPath } from './issues.js';
import type { ModelCatalog } from './model-catalog.js';
import type { TopologyParsed } from './schema.js';

type Report = (path: string, message: string) => void;
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function validateInput(
  input: TopologyParsed, nodes: readonly FlatNode[], models: ModelCatalog,
): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  if (input.ramBytes === 0n || (input.ramBytes & 0xfffn) !== 0n) {
    report('ramBytes', 'expected a non-zero multiple of 4096');
  }
  issues.push(...validateNodes(nodes, models));
  return issues;
}

/** The checks on PCI nodes alone; also run on what parsed when the schema refused the rest (salvage.ts). */
export function validateNodes(nodes: readonly FlatNode[], models: ModelCatalog): TopologyIssue[] {
  const issues: TopologyIssue[] = [];
  const report: Report = (path, message) => issues.push({ path, message });
  checkAddresses(nodes, report);
  checkTree(nodes, report);
  for (const n of nodes) checkFields(n, nodes, models, report);
  return issues;
}

function checkAddresses(nodes: readonly FlatNode[], report: Report): void {
  const seen = new Map<string, string>();
  for (const n of nodes) {
    const bdf = formatBdf(n.addr.segment, n.addr.bus, n.addr.devfn);
    const prior = seen.get(bdf);
    if (prior !== undefined) report(`${n.path}.bdf`, `duplicate BDF ${bdf} (also at ${prior})`);
    else seen.set(bdf, n.path);
  }
  const roots = nodes.filter((n) => n.parent === null);
  const first = roots[0];
  for (const n of roots) {
    if (first && (n.addr.bus !== first.addr.bus || n.addr.segment !== first.addr.segment)) {
      report(`${n.path}.bdf`, `top-level functions sit on the root bus ` +
        `${first.addr.segment.toString(16).padStart(4, '0')}:${hex2(first.addr.bus)}`);
    }
  }
}

function checkTree(nodes: readonly FlatNode[], report: Report): void {
  for (const n of nodes) {
    const kids = n.node.children ?? [];
    if (kids.length > 0 && !isBridgeType(n.node.type)) {
      report(`${n.path}.children`, `only bridges have children (this is a ${n.node.type})`);
    }
    if (n.node.secondaryBus !== undefined) checkSecondaryBus(n, report);
    const p = n.parent;
    if (!p || !isBridgeType(p.node.type)) continue;
    const firstKid = nodes.find((x) => x.parent === p)!;
    if (n.addr.segment !== p.addr.segment) {
      report(`${n.path}.bdf`, `segment differs from the parent bridge's`);
    } else if (n.addr.bus === p.addr.bus) {
      report(`${n.path}.bdf`, `on the bridge's own bus ${hex2(p.addr.bus)}; children sit on its secondary bus`);
    } else if (n.addr.bus < p.addr.bus) {
      report(`${n.path}.bdf`, `bus ${hex2(n.addr.bus)} is not greater than the parent bridge's bus ${hex2(p.addr.bus)}`);
    } else if (n.addr.bus !== firstKid.addr.bus) {
      report(`${n.path}.bdf`, `children of one bridge share its secondary bus ${hex2(firstKid.addr.bus)}`);
    }
  }
  checkPlacement(nodes, report);
}

function checkSecondaryBus(n: FlatNode, report: Report): void {
  const sec = n.node.secondaryBus!;
  const kids = n.node.children ?? [];
  if (!isBridgeType(n.node.type)) report(`${n.path}.secondaryBus`, 'only bridges have a secondary bus');
  else if (sec <= n.addr.bus) report(`${n.path}.secondaryBus`, `must be greater than the bridge's bus ${hex2(n.addr.bus)}`);
  else if (kids[0] && kids[0].bdf.slice(5, 7).toLowerCase() !== hex2(sec)) {
    report(`${n.path}.secondaryBus`, `disagrees with the children's bus`);
  }
}

/** Where PCIe types may appear: root ports, RCiEPs and RCECs on the root bus, DSPs below a USP. */
function checkPlacement(nodes: readonly FlatNode[], report: Report): void {
  for (const n of nodes) {
    const t = n.node.type;
    if ((t === 'root-port' || t === 'rciep' || t === 'rcec') && n.parent !== null) {
      report(`${n.path}.type`, `a ${t} sits on the root bus`);
    }
    if (t === 'switch-downstream' && n.parent?.node.type !== 'switch-upstream') {
      report(`${n.path}.type`, 'a switch-downstream port sits below a switch-upstream port');
    }
  }
}

function checkFields(n: FlatNode, all: readonly FlatNode[], models: ModelCatalog, report: Report): void {
  const node = n.node;
  checkModel(n, models, report);
  if (node.acsCtrl !== undefined) {
    if (node.acs === undefined) report(`${n.path}.acsCtrl`, 'acsCtrl needs acs (no ACS capability to control)');
    else {
      const extra = node.acsCtrl.filter((x) => x === 'ENHANCED' || !node.acs!.includes(x));
      if (extra.length > 0) report(`${n.path}.acsCtrl`, `not a subset of acs: ${extra.join(', ')}`);
    }
  }
  if (node.realDmaDev !== undefined) checkRealDmaDev(n, all, report);
  (node.reservedRegions ?? []).forEach((r, i) => {
    if (r.end < r.start) report(`${n.path}.reservedRegions[${i}]`, 'end (inclusive) is below start');
  });
  const endpoint = node.type === 'endpoint' || node.type === 'legacy-endpoint' || node.type === 'rciep';
  if (node.sriov !== undefined) {
    if (!endpoint) report(`${n.path}.sriov`, 'only endpoints have SR-IOV');
    if (node.sriov.numVfs > node.sriov.totalVfs) report(`${n.path}.sriov.numVfs`, 'exceeds totalVfs');
    const vm = node.sriov.vfModel;
    if (vm !== undefined && !models.has(vm)) report(`${n.path}.sriov.vfModel`, unknownModel(vm, models));
  }
  (node.bars ?? []).forEach((b, i) => checkBarShape(`${n.path}.bars[${i}]`, b, node.bars!, report));
}

function unknownModel(name: string, models: ModelCatalog): string {
  return `unknown model "${name}" (known: ${models.names().join(', ')})`;
}

function checkModel(n: FlatNode, models: ModelCatalog, report: Report): void {
  const { model, params } = n.node;
  if (model === undefined) {
    if (params !== undefined) report(`${n.path}.params`, 'params tune a model; this function has none');
    return;
  }
  const info = models.get(model);
  if (!info) return report(`${n.path}.model`, unknownModel(model, models));
  if (params === undefined) return;
  if (!info.params) return report(`${n.path}.params`, `model "${model}" takes no params`);
  const r = info.params.safeParse(params);
  if (!r.success) {
    for (const iss of r.error.issues) {
      const keys = iss.code === 'unrecognized_keys' ? iss.keys : [undefined];
      for (const k of keys) {
        const segs = k === undefined ? iss.path : [...iss.path, k];
        const sub = formatPath(segs);
        report(`${n.path}.params${sub === '(root)' ? '' : `.${sub}`}`, k === undefined ? iss.message : 'unknown param');
      }
    }
  }
}

function checkRealDmaDev(n: FlatNode, all: readonly FlatNode[], report: Report): void {
  const target = n.node.realDmaDev!.toLowerCase();
  const own = formatBdf(n.addr.segment, n.addr.bus, n.addr.devfn);
  const t = all.find((x) => formatBdf(x.addr.segment, x.addr.bus, x.addr.devfn) === target);
  if (target === own) report(`${n.path}.realDmaDev`, 'names the function itself');
  else if (!t) report(`${n.path}.realDmaDev`, `no function ${target} in the topology`);
  else if (t.node.realDmaDev !== undefined) report(`${n.path}.realDmaDev`, `${target} itself has a realDmaDev (no chains)`);
}

type BarIn = NonNullable<TopologyParsed['pci'][number]['bars']>[number];

function checkBarShape(path: string, b: BarIn, bars: readonly BarIn[], report: Report): void {
  const min = b.io ? 4n : 16n;
  if (b.size < min || (b.size & (b.size - 1n)) !== 0n) {
    report(`${path}.size`, `expected a power of two ≥ ${min}`);
  } else if (b.address !== undefined && (b.address & (b.size - 1n)) !== 0n) {
    report(`${path}.address`, 'not aligned to the BAR size');
  }
  if (bars.filter((x) => x.index === b.index).length > 1) report(`${path}.index`, `BAR${b.index} given twice`);
  if (b.is64 && (b.index >= 5 || b.io)) report(`${path}.is64`, 'a 64-bit memory BAR needs index 0-4 (it uses two registers)');
  if (b.is64 && bars.some((x) => x.index === b.index + 1)) {
    report(`${path}.index`, `64-bit BAR${b.index} also occupies BAR${b.index + 1}`);
  }
  const limit = b.io ? 0xffffn : b.is64 ? U64_MAX : 0xffff_ffffn;
  if (b.address !== undefined && b.address + b.size - 1n > limit) {
    report(`${path}.address`, b.io ? 'I/O BARs end below 0x10000' : '32-bit BAR must end below 4 GiB');
  }
}
