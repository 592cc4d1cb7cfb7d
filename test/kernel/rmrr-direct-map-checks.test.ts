/**
 * Audit, spec topology-groups-iommu.md §3.8 and §2.1: a group's translating default domain
 * (DMA or DMA-FQ) identity-maps every `direct` and `direct-relaxable` reserved region of its
 * members, read and write (Linux iommu_create_device_direct_mappings(), called from
 * iommu_setup_default_domain at probe and whenever the default domain is replaced). A
 * device on its kernel driver can then DMA to its RMRR and nowhere else; VFIO's unmanaged
 * domains never receive these maps.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/index.js';
import type { IommuDomain } from '../../src/hardware/iommu/index.js';
import { rootShell } from '../support/sysfs.js';
import { iommuGroup, pciDevice } from '../support/kernel-state.js';

const IGPU = '0000:00:02.0'; // default machine: i915, RMRR 0x7b800000-0x7f7fffff
const XHCI = '0000:00:14.0'; // default machine: xhci_hcd, RMRR 0x7b7e0000-0x7b7fffff
const RID_IGPU = 0x0010;
const RID_XHCI = 0x00a0;
const data = new Uint8Array([0xca, 0xfe, 0xf0, 0x0d]);

/** The default domain of `bdf`'s group, as the hardware IOMMU sees it. */
function defaultDomain(h: Host, bdf: string): IommuDomain {
  return iommuGroup(h, bdf).defaultDomain as IommuDomain;
}

function typePath(h: Host, bdf: string): string {
  const id = rootShell(h).readlink(`/sys/bus/pci/devices/${bdf}/iommu_group`).split('/').pop();
  return `/sys/kernel/iommu_groups/${id}/type`;
}

describe('RMRR identity maps in the kernel default domain', () => {
  it('the iGPU on i915 reaches its RMRR 1:1 (both ends), and faults just outside it', () => {
    const h = new Host();
    const g = iommuGroup(h, IGPU);
    expect(pciDevice(h, IGPU).driver?.name).toBe('i915');
    expect(g.defaultType).toBe('DMA');
    expect(h.iommu!.dmaWrite(RID_IGPU, 0x7b80_0000n, data).ok).toBe(true);
    expect([...h.phys.read(0x7b80_0000n, 4)]).toEqual([...data]);
    expect(h.iommu!.dmaWrite(RID_IGPU, 0x7f7f_fffcn, data).ok).toBe(true);
    expect([...h.phys.read(0x7f7f_fffcn, 4)]).toEqual([...data]);
    const r = h.iommu!.dmaRead(RID_IGPU, 0x7b80_0000n, 4);
    expect(r.ok).toBe(true);
    expect([...(r.data ?? [])]).toEqual([...data]);
    expect(h.faults()).toEqual([]);
    expect(h.iommu!.dmaWrite(RID_IGPU, 0x7f80_0000n, data).ok).toBe(false);
    expect(h.iommu!.dmaWrite(RID_IGPU, 0x7b7f_f000n, data).ok).toBe(false);
    expect(h.faults()).toHaveLength(2);
    const t = defaultDomain(h, IGPU).pageTable;
    expect(t.iovaToPhys(0x7c12_3000n)).toBe(0x7c12_3000n);
    expect(t.stats().mappedBytes).toBe(0x400_0000n);
  });

  it('xHCI reaches its own RMRR but not the iGPU one (each group maps only its members)', () => {
    const h = new Host();
    expect(pciDevice(h, XHCI).group).not.toBe(pciDevice(h, IGPU).group);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7f_fffcn, data).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b80_0000n, data).ok).toBe(false);
    expect(h.iommu!.dmaWrite(RID_IGPU, 0x7b7e_0000n, data).ok).toBe(false);
  });

  it('a group without reserved direct regions maps nothing at boot', () => {
    const h = new Host();
    expect(defaultDomain(h, '0000:06:00.0').pageTable.stats().mappedBytes).toBe(0n);
  });

  it('identity needs no maps; going back to DMA (a new default domain) recreates them', () => {
    const h = new Host();
    h.bind(XHCI, null);
    const g = iommuGroup(h, XHCI);
    rootShell(h).writeFile(typePath(h, XHCI), 'identity');
    expect(defaultDomain(h, XHCI).pageTable.stats().mappedBytes).toBe(0n);
    rootShell(h).writeFile(typePath(h, XHCI), 'DMA');
    expect(g.defaultType).toBe('DMA');
    expect(defaultDomain(h, XHCI).pageTable.stats().mappedBytes).toBe(0x2_0000n);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x10_0000n, data).ok).toBe(false);
  });

  it('DMA → DMA-FQ keeps the same domain and its maps', () => {
    const h = new Host();
    h.bind(XHCI, null);
    const g = iommuGroup(h, XHCI);
    const before = g.defaultDomain;
    rootShell(h).writeFile(typePath(h, XHCI), 'DMA-FQ');
    expect(g.defaultDomain).toBe(before);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(true);
  });
});

describe('VFIO never sees the RMRR maps', () => {
  it('a relaxable RMRR device in VFIO: blocked while claimed, its unmanaged domain does not map the RMRR, release restores it', () => {
    const h = new Host();
    h.bind(XHCI, 'vfio-pci');
    const g = iommuGroup(h, XHCI);
    expect(g.claimDmaOwner({}).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(false);
    const user = h.iommu!.allocDomain('unmanaged');
    expect(g.attachDomain(user).ok).toBe(true);
    expect(user.pageTable.stats().mappedBytes).toBe(0n);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(false);
    g.detachDomain();
    g.releaseDmaOwner();
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7b7e_0000n, data).ok).toBe(true);
  });

  it('threats-t13: the non-relaxable RMRR is mapped for the kernel, and still refuses an unmanaged domain (EPERM)', () => {
    const h = new Host(JSON.parse(readFileSync(new URL('../../fixtures/topologies/threats-t13.json', import.meta.url), 'utf8')));
    const sata = pciDevice(h, '0000:00:17.0');
    const g = sata.group!;
    expect(g.reservedRegions).toContainEqual({ start: 0x7b00_0000n, end: 0x7b0f_ffffn, type: 'direct' });
    expect(h.iommu!.dmaWrite(0x00b8, 0x7b00_0000n, data).ok).toBe(true);
    h.bind('0000:00:17.0', 'vfio-pci');
    expect(g.claimDmaOwner({}).ok).toBe(true);
    const r = g.attachDomain(h.iommu!.allocDomain('unmanaged'));
    expect(r.ok ? 'ok' : r.code).toBe('EPERM');
    expect(h.iommu!.dmaWrite(0x00b8, 0x7b00_0000n, data).ok).toBe(false);
  });
});

describe('how regions are mapped (iommu_create_device_direct_mappings)', () => {
  const topo = (regions: Array<{ start: string; end: string; type?: string }>) => ({
    name: 'rmrr', ramBytes: '0x100000000', iommu: { platform: 'intel', invalidation: 'strict' },
    pci: [
      { bdf: '0000:00:00.0', type: 'host-bridge' },
      { bdf: '0000:00:14.0', type: 'rciep', model: 'edu', class: '0x0c0330', reservedRegions: regions },
    ],
  });

  it('overlapping direct and direct-relaxable regions are mapped once, as their union', () => {
    const h = new Host(topo([
      { start: '0x7a000000', end: '0x7a0fffff', type: 'direct-relaxable' },
      { start: '0x7a080000', end: '0x7a1fffff', type: 'direct' },
    ]));
    const d = defaultDomain(h, XHCI);
    expect(d.pageTable.stats().mappedBytes).toBe(0x20_0000n);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7a1f_f000n, data).ok).toBe(true);
    expect(h.iommu!.dmaWrite(RID_XHCI, 0x7a20_0000n, data).ok).toBe(false);
  });

  it('an unaligned start is rounded up and the end rounded up to a page, as Linux ALIGN()s both', () => {
    const h = new Host(topo([{ start: '0x7a000800', end: '0x7a002800' }]));
    const t = defaultDomain(h, XHCI).pageTable;
    expect(t.iovaToPhys(0x7a00_0000n)).toBeNull();
    expect(t.iovaToPhys(0x7a00_1000n)).toBe(0x7a00_1000n);
    expect(t.iovaToPhys(0x7a00_2000n)).toBe(0x7a00_2000n);
    expect(t.stats().mappedBytes).toBe(0x2000n);
  });

  it('reserved and msi regions are never mapped', () => {
    const h = new Host(topo([{ start: '0x7a000000', end: '0x7a0fffff', type: 'reserved' }]));
    expect(defaultDomain(h, XHCI).pageTable.stats().mappedBytes).toBe(0n);
  });
});
