/** The bundled default workstation: exact groups with ids, reasons and reserved regions. */
import { describe, expect, it } from 'vitest';
import { deriveGroups } from '../../src/hardware/groups/index.js';
import { loadFixture } from './fixtures.js';

const topo = loadFixture('default');
const B = (...s: string[]) => s.map((x) => `0000:${x}`);

const CLASSIC: [number, string[]][] = [
  [0, B('00:00.0')], [1, B('00:01.0')], [2, B('00:02.0')], [3, B('00:14.0')], [4, B('00:17.0')],
  [5, B('00:1b.0')], [6, B('00:1c.0')], [7, B('00:1c.4')], [8, B('00:1d.0', '0a:00.0')],
  [9, B('00:1f.0', '00:1f.3', '00:1f.4', '00:1f.6')], [10, B('01:00.0', '01:00.1')],
  [11, B('02:00.0')], [12, B('03:00.0')], [13, B('04:00.0')], [14, B('04:01.0')], [15, B('04:02.0')],
  [16, B('05:00.0')], [17, B('06:00.0')], [18, B('07:00.0')], [19, B('08:00.0', '09:00.0')],
];

describe('default machine', () => {
  it('is an intel 48-bit strict machine with 16 GiB split around the MMIO hole', () => {
    expect(topo.iommu).toMatchObject({ platform: 'intel', addressWidth: 48, interruptRemapping: true, invalidation: 'strict' });
    expect(topo.iommu!.pageSizeBitmap).toBe(0x4020_1000n);
    expect(topo.ramRanges.map((r) => [r.start, r.end])).toEqual([[0n, 0xbfff_ffffn], [0x1_0000_0000n, 0x4_3fff_ffffn]]);
    expect(topo.kernel.grouping).toBe('classic');
  });

  it('has the classic groups with these exact ids', () => {
    const t = deriveGroups(topo);
    expect(t.groups.map((g) => [g.id, g.members])).toEqual(CLASSIC);
  });

  it('puts two edu devices in groups of their own and one in the group of its ACS-less root port', () => {
    const t = deriveGroups(topo);
    expect(t.groupOf('06:00.0')).toBe(17);
    expect(t.groupOf('07:00.0')).toBe(18);
    expect(t.groupOf('0a:00.0')).toBe(8);
    expect(t.reasonOf('0a:00.0')).toBe('joined group 8: upstream bridge 0000:00:1d.0 is not ACS-isolated (SV|RR|CR|UF) on its path to the root (pci_device_group step B)');
    for (const b of ['06:00.0', '07:00.0', '0a:00.0']) {
      expect(topo.byBdf(b)).toMatchObject({ model: 'edu', driver: null, vendor: 0x1234, device: 0x11e8, classCode: 0x00ff00 });
    }
  });

  it('explains each rule in the reason text', () => {
    const t = deriveGroups(topo);
    expect(t.reasonOf('0000:01:00.1')).toBe('joined group 10: multifunction sibling 0000:01:00.0 lacks ACS (pci_device_group step D)');
    expect(t.reasonOf('0000:05:00.0')).toBe('new group 16: every bridge up to the root bus has ACS SV|RR|CR|UF');
    expect(t.reasonOf('0000:09:00.0')).toMatch(/^joined group 19: its DMA reaches the IOMMU as 09:00\.0 via 0000:08:00\.0.*step A/);
  });

  it('gives the iGPU and USB groups their RMRRs (relaxable) and the LPC group the floppy range', () => {
    const t = deriveGroups(topo);
    const msi = { start: 0xfee0_0000n, end: 0xfeef_ffffn, type: 'msi' };
    expect(t.groups[2]!.reservedRegions).toEqual([{ start: 0x7b80_0000n, end: 0x7f7f_ffffn, type: 'direct-relaxable' }, msi]);
    expect(t.groups[3]!.reservedRegions).toEqual([{ start: 0x7b7e_0000n, end: 0x7b7f_ffffn, type: 'direct-relaxable' }, msi]);
    expect(t.groups[9]!.reservedRegions).toEqual([{ start: 0n, end: 0xff_ffffn, type: 'direct-relaxable' }, msi]);
    expect(t.groups[11]!.reservedRegions).toEqual([msi]);
  });

  it('groups differently under bus-isolation: the ACS-less root port no longer captures its edu', () => {
    const t = deriveGroups(topo, { algorithm: 'bus-isolation' });
    expect(t.groupOf('0a:00.0')).not.toBe(t.groupOf('00:1d.0'));
    expect(t.groupOf('08:00.0')).not.toBe(t.groupOf('09:00.0'));
    expect(t.groups).toHaveLength(22);
  });

  it('binds pcieport to PCIe ports, nothing to the PCIe-to-PCI bridge, real drivers elsewhere', () => {
    expect(topo.byBdf('00:1c.0')!.driver).toBe('pcieport');
    expect(topo.byBdf('04:01.0')!.driver).toBe('pcieport');
    expect(topo.byBdf('08:00.0')!.driver).toBeNull();
    expect(topo.byBdf('02:00.0')!.driver).toBe('nvme');
    expect(topo.byBdf('00:02.0')!.driver).toBe('i915');
    expect(topo.byBdf('09:00.0')!.isPcie).toBe(false);
  });
});
