/**
 * Audit of the grouping rules against spec topology-groups-iommu.md §1.3–1.6 and §5 points
 * 4, 6, 8 and 9, where no other test pinned them: who counts as isolated without ACS
 * (pci_acs_enabled), the classic algorithm's probe-order dependence (pci_device_group
 * only finds groups that already exist), VFs on a virtual bus (pci_for_each_dma_alias and
 * the climb skip `bus->self == NULL`), and group ids from an IDA.
 */
import { describe, expect, it } from 'vitest';
import { acsEnabled, deriveGroups, dmaAliases, REQ_ACS_FLAGS, type GroupTable } from '../../src/hardware/groups/index.js';
import { parseTopology, PCI_ACS, PCI_EXP_TYPE, type PciFunction, type Topology } from '../../src/hardware/topology/index.js';
import { IommuCore } from '../../src/kernel/iommu/iommu-core.js';

const ACS = ['SV', 'RR', 'CR', 'UF'];
const ALL_ACS = REQ_ACS_FLAGS | PCI_ACS.TB | PCI_ACS.DT;
const machine = (pci: unknown[]): Topology => parseTopology({ name: 'audit', pci });
const partition = (t: GroupTable): string[][] => t.groups.map((g) => [...g.members].sort()).sort((a, b) => a[0]!.localeCompare(b[0]!));

/** A function with its PCIe port type and ACS registers replaced (types the JSON cannot spell). */
function as(f: PciFunction, portType: number | null, o: Partial<PciFunction> = {}): PciFunction {
  return { ...f, isPcie: portType !== null, portType, ...o };
}

describe('§5.4 who is isolated without ACS (pci_acs_enabled)', () => {
  const t = machine([
    { bdf: '0000:00:01.0', type: 'root-port', acs: ACS, children: [{ bdf: '0000:01:00.0', type: 'endpoint' }] },
  ]);
  const ep = t.byBdf('01:00.0')!;
  const fullAcs = { acsCap: ALL_ACS, acsCtrl: ALL_ACS };

  it('an RC event collector, a PCIe-to-PCI and a PCI-to-PCIe bridge never isolate, even with every ACS bit on', () => {
    expect(acsEnabled(as(ep, PCI_EXP_TYPE.RC_EC, fullAcs), REQ_ACS_FLAGS)).toBe(false);
    expect(acsEnabled(as(ep, PCI_EXP_TYPE.PCI_BRIDGE, fullAcs), REQ_ACS_FLAGS)).toBe(false);
    expect(acsEnabled(as(ep, PCI_EXP_TYPE.PCIE_BRIDGE, fullAcs), REQ_ACS_FLAGS)).toBe(false);
    expect(acsEnabled(as(ep, null, fullAcs), REQ_ACS_FLAGS)).toBe(false);
  });

  it('single-function endpoints, legacy endpoints, RCiEPs and upstream ports are isolated with no ACS capability', () => {
    for (const pt of [PCI_EXP_TYPE.ENDPOINT, PCI_EXP_TYPE.LEG_END, PCI_EXP_TYPE.RC_END, PCI_EXP_TYPE.UPSTREAM]) {
      expect(acsEnabled(as(ep, pt, { acsCap: null, acsCtrl: null, multifunction: false }), REQ_ACS_FLAGS)).toBe(true);
      expect(acsEnabled(as(ep, pt, { acsCap: null, acsCtrl: null, multifunction: true }), REQ_ACS_FLAGS)).toBe(false);
    }
  });

  it('root and downstream ports need a real ACS capability even when single-function', () => {
    for (const pt of [PCI_EXP_TYPE.ROOT_PORT, PCI_EXP_TYPE.DOWNSTREAM]) {
      expect(acsEnabled(as(ep, pt, { acsCap: null, acsCtrl: null, multifunction: false }), REQ_ACS_FLAGS)).toBe(false);
      expect(acsEnabled(as(ep, pt, { acsCap: REQ_ACS_FLAGS, acsCtrl: REQ_ACS_FLAGS }), REQ_ACS_FLAGS)).toBe(true);
    }
  });

  it('asking for EC on a port that lacks it fails (EC is never assumed hard-wired)', () => {
    const rp = as(ep, PCI_EXP_TYPE.ROOT_PORT, { acsCap: REQ_ACS_FLAGS, acsCtrl: REQ_ACS_FLAGS });
    expect(acsEnabled(rp, REQ_ACS_FLAGS | PCI_ACS.EC)).toBe(false);
    expect(acsEnabled(rp, REQ_ACS_FLAGS | PCI_ACS.DT)).toBe(true); // DT not implemented: dropped
  });
});

describe('§5.6 classic grouping depends on probe order', () => {
  // table 1.8 row 2b: two ACS-less root ports forming one multifunction slot
  const t = machine([
    { bdf: '0000:00:01.0', type: 'root-port', children: [{ bdf: '0000:01:00.0', type: 'endpoint' }] },
    { bdf: '0000:00:01.1', type: 'root-port', children: [{ bdf: '0000:02:00.0', type: 'endpoint' }] },
  ]);

  it('default order (bus by bus, devfn ascending) gives one group', () => {
    expect(t.functions.map((f) => f.bdf.slice(5))).toEqual(['00:01.0', '00:01.1', '01:00.0', '02:00.0']);
    expect(partition(deriveGroups(t, { algorithm: 'classic' }))).toEqual([
      ['0000:00:01.0', '0000:00:01.1', '0000:01:00.0', '0000:02:00.0'],
    ]);
  });

  it('probing an endpoint before its root port leaves it alone in a group (first come, first served)', () => {
    const g = deriveGroups(t, { algorithm: 'classic', probeOrder: ['0000:01:00.0'] });
    expect(partition(g)).toEqual([['0000:00:01.0', '0000:00:01.1', '0000:02:00.0'], ['0000:01:00.0']]);
    expect(g.groupOf('0000:01:00.0')).toBe(0);
    expect(g.reasonOf('0000:01:00.0')).toMatch(/00:01\.0, which has no group yet/);
  });

  it('bus-isolation does not depend on it (it defers instead)', () => {
    const a = partition(deriveGroups(t, { algorithm: 'bus-isolation' }));
    expect(partition(deriveGroups(t, { algorithm: 'bus-isolation', probeOrder: ['0000:01:00.0'] }))).toEqual(a);
  });
});

describe('§5.8 VFs on a virtual bus', () => {
  const box = (rootAcs: string[] | undefined) => machine([
    { bdf: '0000:00:01.0', type: 'root-port', ...(rootAcs ? { acs: rootAcs } : {}), children: [
      { bdf: '0000:01:00.0', type: 'endpoint', sriov: { totalVfs: 2, numVfs: 2, offset: 0x100 } },
    ] },
  ]);

  it('VFs past the PF\'s bus sit on a bus whose self is null; they are never multifunction and alias only as themselves', () => {
    const t = box(ACS);
    const vf = t.byBdf('02:00.0')!;
    expect(vf.isVf).toBe(true);
    expect(vf.parentBus.isVirtual).toBe(true);
    expect(vf.parentBus.self).toBeNull();
    expect(vf.multifunction).toBe(false);
    expect(t.byBdf('02:00.1')!.multifunction).toBe(false);
    expect(dmaAliases(vf).map((a) => a.rid)).toEqual([0x0200]);
    expect(t.byBdf('00:01.0')!.subordinateBus).toBe(2);
  });

  it('behind an ACS root port each VF gets its own group; behind an ACS-less one the climb skips the virtual bus and joins the port', () => {
    expect(partition(deriveGroups(box(ACS), { algorithm: 'classic' }))).toEqual([
      ['0000:00:01.0'], ['0000:01:00.0'], ['0000:02:00.0'], ['0000:02:00.1'],
    ]);
    expect(partition(deriveGroups(box(undefined), { algorithm: 'classic' }))).toEqual([
      ['0000:00:01.0', '0000:01:00.0', '0000:02:00.0', '0000:02:00.1'],
    ]);
  });
});

describe('§5.9 group ids come from an IDA', () => {
  it('the lowest free id is handed out, so ids are reused after a group goes away', () => {
    const core = new IommuCore(null);
    const mk = () => core.create({ reservedRegions: [], rids: [], defaultType: 'DMA', hardware: false }).id;
    expect([mk(), mk(), mk()]).toEqual([0, 1, 2]);
    core.remove(1);
    expect(mk()).toBe(1);
    expect(mk()).toBe(3);
  });

  it('ids follow probe order, so another order numbers the same groups differently', () => {
    const t = machine([
      { bdf: '0000:00:01.0', type: 'root-port', acs: ACS, children: [{ bdf: '0000:01:00.0', type: 'endpoint' }] },
      { bdf: '0000:00:02.0', type: 'root-port', acs: ACS, children: [{ bdf: '0000:02:00.0', type: 'endpoint' }] },
    ]);
    const a = deriveGroups(t, { algorithm: 'classic' });
    const b = deriveGroups(t, { algorithm: 'classic', probeOrder: ['0000:02:00.0'] });
    expect(partition(a)).toEqual(partition(b));
    expect(a.groupOf('0000:02:00.0')).toBe(3);
    expect(b.groupOf('0000:02:00.0')).toBe(0);
  });
});
